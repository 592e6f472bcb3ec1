//! Compressed RTF ([MS-OXRTFCP]) and RTF-encapsulated HTML ([MS-OXRTFEX]).
