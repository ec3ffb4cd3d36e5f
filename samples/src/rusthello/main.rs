// rusthello: a tiny Rust program for the x86_64-unknown-linux-gnu target, kept small:
//   rustc --edition 2021 --target x86_64-unknown-linux-gnu -C opt-level=z -C strip=symbols \
//     -C panic=abort -C codegen-units=1 --remap-path-prefix=$PWD=. -o rust/hello main.rs
//   -> dynamic against glibc; muslcheck detects Rust (rebuild recipe: *-unknown-linux-musl on musl)
fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("hello from Rust, {} argument(s)", args.len());
}
