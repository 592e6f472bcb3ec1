//! Runs every judge on the files given and prints each one's differences from pstkit:
//! `cargo run -p pst-judges --example judge -- [--codepage 1251] FILE...`
fn main() {
    let mut opts = pst_judges::Options::default();
    let mut args = std::env::args().skip(1).peekable();
    let mut status = 0;
    while let Some(a) = args.next() {
        if a == "--codepage" {
            opts.codepage = args.next().and_then(|c| c.parse().ok());
            continue;
        }
        for v in pst_judges::judge_file(std::path::Path::new(&a), &opts) {
            match &v.result {
                Ok(d) if d.is_empty() => println!("{a}: {}: agrees", v.judge),
                Ok(d) => {
                    status = 1;
                    println!("{a}: {}: {} differences", v.judge, d.len());
                    for x in d.iter().take(10) {
                        println!("    {x}");
                    }
                }
                Err(e) => {
                    status = 1;
                    println!("{a}: {}: {e}", v.judge);
                }
            }
        }
    }
    std::process::exit(status);
}
