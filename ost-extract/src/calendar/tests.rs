//! Tests of the calendar converters on hand-built messages.
