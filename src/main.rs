//! The `kanwamap` command line.

fn main() {
    println!("kanwamap");
}
