# The shape of trishume/telefork 32caaae (src/lib.rs, "telepad and registers"), with our
# own bodies: a struct and its impl added where git's header names the function above
# (`fn write_map`), a function renamed with its body kept (`print_maps_info` ->
# `_print_maps_info`, header `pub enum TeleforkLocation`), a function appended after
# `pub fn telefork`, and a line added to an enum.
at() { export GIT_AUTHOR_DATE="$1 +0000" GIT_COMMITTER_DATE="$1 +0000"; }
export GIT_AUTHOR_NAME="Tris" GIT_AUTHOR_EMAIL="tris@example.com"
mkdir -p src
at "2024-03-01T09:00:00"
cat > src/lib.rs <<'EOF'
use std::io::Write;

enum Command {
    Remap,
    Done,
}

fn write_map(out: &mut dyn Write, start: usize) -> std::io::Result<()> {
    out.write_all(&start.to_le_bytes())
}

pub enum TeleforkLocation {
    Parent,
    Child,
}

fn print_maps_info(maps: &[usize]) {
    for map in maps {
        println!("{:x}", map);
    }
}

/// Sends this process down `out`.
pub fn telefork(out: &mut dyn Write) -> TeleforkLocation {
    let _ = write_map(out, 0);
    TeleforkLocation::Parent
}
EOF
git add -A; git commit -q -m "Process dumping"
at "2024-03-02T09:00:00"
cat > src/lib.rs <<'EOF'
use std::io::{Read, Write};

enum Command {
    Remap,
    Registers,
    Done,
}

fn write_map(out: &mut dyn Write, start: usize) -> std::io::Result<()> {
    out.write_all(&start.to_le_bytes())
}

struct RegInfo {
    regs: [u64; 27],
}

impl RegInfo {
    fn to_bytes(&self) -> &[u8] {
        unsafe { std::slice::from_raw_parts(self.regs.as_ptr() as *const u8, 27 * 8) }
    }
}

pub enum TeleforkLocation {
    Parent,
    Child,
}

fn _print_maps_info(maps: &[usize]) {
    for map in maps {
        println!("{:x}", map);
    }
}

/// Sends this process down `out`.
pub fn telefork(out: &mut dyn Write) -> TeleforkLocation {
    let _ = write_map(out, 0);
    TeleforkLocation::Parent
}

/// Receives a process from `inp` and runs it.
pub fn telepad(inp: &mut dyn Read) -> usize {
    let mut buf = [0u8; 8];
    inp.read_exact(&mut buf).map(|_| usize::from_le_bytes(buf)).unwrap_or(0)
}
EOF
git add -A; git commit -q -m "telepad and registers"
