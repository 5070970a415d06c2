//! `tempfilestore mount` side by side with its peers on one object from one
//! loopback server (nginx), each mounted cold for each figure:
//!
//! - time to the first 4 KiB at offset 0 and at 90% of the object, from
//!   the moment the mount is up;
//! - sequential throughput of a fresh mount (the download included);
//! - 4 KiB random-read latency, p50 and p99, once the object has arrived,
//!   through a file opened then, the page cache dropped first (every
//!   tool's cache, as root), so that each read reaches storage;
//! - eight concurrent readers, each reading its eighth of the object;
//! - and the habit this replaces: `curl` the whole object, then read it.
//!
//! It also reads the store's staged temp file directly, for the overhead
//! of the mount itself. Prints a Markdown table and writes an SVG plot.
//!
//! ```text
//! bash mount/benches/peers.sh            # installs the peers and nginx, then runs this
//! cargo run --release -p tempfilestore-mount --example peers -- --size-mib 1024 --svg docs/fuse-peers.svg
//! ```

use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;

#[derive(Parser)]
#[command(about = "tempfilestore mount against httpfs2, httpdirfs and rclone")]
struct Args {
    /// Size of the object.
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Random 4 KiB reads per latency figure.
    #[arg(long, default_value_t = 2000)]
    random_reads: usize,
    /// Where the SVG plot goes.
    #[arg(long, default_value = "docs/fuse-peers.svg")]
    svg: PathBuf,
    /// Runs of each figure; the table gives their median.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// The tempfilestore binary.
    #[arg(long, default_value = "target/release/tempfilestore")]
    tempfilestore: PathBuf,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const OBJECT: &str = "object.bin";
const SEQUENTIAL_BUFFER_BYTES: usize = MIB as usize;
const READERS: u64 = 8;

/// A file system under comparison, and how to mount it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    TempFileStore,
    Httpfs2,
    Httpdirfs,
    Rclone,
}

impl Tool {
    const ALL: [Tool; 4] = [
        Tool::TempFileStore,
        Tool::Httpfs2,
        Tool::Httpdirfs,
        Tool::Rclone,
    ];

    fn name(self) -> &'static str {
        match self {
            Tool::TempFileStore => "tempfilestore",
            Tool::Httpfs2 => "httpfs2",
            Tool::Httpdirfs => "httpdirfs (--cache)",
            Tool::Rclone => "rclone (vfs full)",
        }
    }

    fn command(self, args: &Args, base_url: &str, mountpoint: &Path, scratch: &Path) -> Command {
        let url = format!("{base_url}/{OBJECT}");
        let mut command = match self {
            Tool::TempFileStore => {
                let mut command = Command::new(&args.tempfilestore);
                command.args(["mount", &url]).arg(mountpoint);
                command.arg("--foreground").arg("--temp-dir").arg(scratch);
                command
            }
            Tool::Httpfs2 => {
                let mut command = Command::new("httpfs2");
                command.args(["-f", &url]).arg(mountpoint);
                command
            }
            Tool::Httpdirfs => {
                let mut command = Command::new("httpdirfs");
                command.args(["-f", "--cache", "--single-file-mode", "--cache-location"]);
                command.arg(scratch).arg(&url).arg(mountpoint);
                // In single-file mode it caches under $XDG_CACHE_HOME
                // whatever --cache-location says: a fresh one per mount.
                command.env("XDG_CACHE_HOME", scratch);
                command
            }
            Tool::Rclone => {
                let mut command = Command::new("rclone");
                command.args(["mount", ":http:"]).arg(mountpoint);
                command.args([
                    "--http-url",
                    base_url,
                    "--vfs-cache-mode",
                    "full",
                    "--read-only",
                ]);
                command.arg("--cache-dir").arg(scratch);
                command
            }
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }
}

/// A live mount of one tool, unmounted and its scratch removed on drop.
struct Mounted {
    child: Child,
    mountpoint: PathBuf,
    _dir: tempfile::TempDir,
    scratch: PathBuf,
}

impl Mounted {
    fn start(tool: Tool, args: &Args, base_url: &str) -> Mounted {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mountpoint = dir.path().join("mnt");
        let scratch = dir.path().join("scratch");
        std::fs::create_dir(&mountpoint).expect("mount point");
        std::fs::create_dir(&scratch).expect("scratch dir");
        let child = tool
            .command(args, base_url, &mountpoint, &scratch)
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", tool.name()));
        let started = Instant::now();
        // Up once the object is visible: some tools mount before they list.
        while !mountpoint.join(OBJECT).exists() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{} never mounted",
                tool.name()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        Mounted {
            child,
            mountpoint,
            _dir: dir,
            scratch,
        }
    }

    fn file(&self) -> File {
        File::open(self.mountpoint.join(OBJECT)).expect("the mounted object opens")
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("fusermount3")
            .arg("-u")
            .arg(&self.mountpoint)
            .output();
        let started = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                let _ = Command::new("fusermount3")
                    .args(["-u", "-z"])
                    .arg(&self.mountpoint)
                    .output();
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.wait();
    }
}

/// One tool's figures.
#[derive(Clone, Debug, Default)]
struct Figures {
    first_byte_at_0: Duration,
    first_byte_at_90: Duration,
    sequential_mib_per_s: f64,
    random_p50: Duration,
    random_p99: Duration,
    eight_readers_mib_per_s: f64,
}

impl Figures {
    /// Each figure's median over `runs`.
    fn median(runs: &[Figures]) -> Figures {
        let duration = |pick: fn(&Figures) -> Duration| {
            let mut values: Vec<Duration> = runs.iter().map(pick).collect();
            values.sort();
            values[values.len() / 2]
        };
        let rate = |pick: fn(&Figures) -> f64| median(runs.iter().map(pick).collect());
        Figures {
            first_byte_at_0: duration(|f| f.first_byte_at_0),
            first_byte_at_90: duration(|f| f.first_byte_at_90),
            sequential_mib_per_s: rate(|f| f.sequential_mib_per_s),
            random_p50: duration(|f| f.random_p50),
            random_p99: duration(|f| f.random_p99),
            eight_readers_mib_per_s: rate(|f| f.eight_readers_mib_per_s),
        }
    }
}

fn main() {
    let args = Args::parse();
    let size = args.size_mib * MIB;
    let served = tempfile::tempdir().expect("a temp dir for the server");
    write_object(&served.path().join(OBJECT), size);
    SERVED
        .set(served.path().join(OBJECT))
        .expect("set once, before any read");
    let (nginx, base_url) = start_nginx(served.path());
    eprintln!("serving {} MiB at {base_url}", args.size_mib);

    let mut rows = Vec::new();
    for tool in Tool::ALL {
        eprintln!("{} ...", tool.name());
        let runs: Vec<Figures> = (0..args.repeat.max(1))
            .map(|_| measure(tool, &args, &base_url, size))
            .collect();
        rows.push((tool.name().to_owned(), Figures::median(&runs)));
    }
    let (curl, staged_direct, mount_warm) = baselines(&args, &base_url, size);
    rows.push(("curl, then read".to_owned(), curl));
    drop(nginx);

    print_table(&rows, size, staged_direct, mount_warm);
    write_svg(&args.svg, &rows).expect("the plot writes");
    eprintln!("plot: {}", args.svg.display());
}

fn measure(tool: Tool, args: &Args, base_url: &str, size: u64) -> Figures {
    let mut figures = Figures::default();
    for (offset, slot) in [
        (0, &mut figures.first_byte_at_0),
        (size / 10 * 9, &mut figures.first_byte_at_90),
    ] {
        let mounted = Mounted::start(tool, args, base_url);
        let started = Instant::now();
        let file = mounted.file();
        let mut buf = vec![0; 4096];
        file.read_exact_at(&mut buf, offset)
            .expect("the first bytes read");
        *slot = started.elapsed();
    }
    {
        let mounted = Mounted::start(tool, args, base_url);
        let file = mounted.file();
        let started = Instant::now();
        read_sequentially(&file, 0, size);
        figures.sequential_mib_per_s = mib_per_s(size, started.elapsed());
        // Opened again now that every byte has arrived, as a later reader
        // would: tempfilestore then opens in passthrough, once no file of
        // the object is open plain.
        drop(file);
        let file = mounted.file();
        drop_page_cache(&file, size);
        let (p50, p99) = random_latencies(&file, size, args.random_reads);
        figures.random_p50 = p50;
        figures.random_p99 = p99;
    }
    {
        let mounted = Mounted::start(tool, args, base_url);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for reader in 0..READERS {
                let file = mounted.file();
                scope.spawn(move || {
                    let slice = size / READERS;
                    read_sequentially(&file, reader * slice, slice);
                });
            }
        });
        figures.eight_readers_mib_per_s = mib_per_s(size, started.elapsed());
    }
    figures
}

/// curl's whole download then a read; and, for the mount's own overhead,
/// a warm sequential read through the mount against one of its staged
/// temp file, in the same mount.
fn baselines(args: &Args, base_url: &str, size: u64) -> (Figures, f64, f64) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let downloaded = dir.path().join(OBJECT);
    let started = Instant::now();
    let status = Command::new("curl")
        .args(["-s", "-o"])
        .arg(&downloaded)
        .arg(format!("{base_url}/{OBJECT}"))
        .status()
        .expect("curl runs");
    assert!(status.success(), "curl failed");
    let file = File::open(&downloaded).expect("the download opens");
    let mut buf = vec![0; 4096];
    file.read_exact_at(&mut buf, 0).expect("reads");
    let whole = started.elapsed();
    let mut read_90 = vec![0; 4096];
    file.read_exact_at(&mut read_90, size / 10 * 9)
        .expect("reads");
    drop_page_cache(&file, size);
    let started = Instant::now();
    read_sequentially(&file, 0, size);
    let sequential = mib_per_s(size, started.elapsed() + whole);
    drop_page_cache(&file, size);
    let (p50, p99) = random_latencies(&file, size, args.random_reads);
    let curl = Figures {
        first_byte_at_0: whole,
        first_byte_at_90: whole,
        sequential_mib_per_s: sequential,
        random_p50: p50,
        random_p99: p99,
        eight_readers_mib_per_s: sequential,
    };

    let mounted = Mounted::start(Tool::TempFileStore, args, base_url);
    read_sequentially(&mounted.file(), 0, size);
    let file = mounted.file();
    let staged = std::fs::read_dir(&mounted.scratch)
        .expect("the temp dir lists")
        .next()
        .expect("one staged temp file")
        .expect("an entry")
        .path();
    let staged = File::open(staged).expect("the staged temp file opens");
    let mut direct = Vec::new();
    let mut through_mount = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        read_sequentially(&staged, 0, size);
        direct.push(mib_per_s(size, started.elapsed()));
        forget_cached_pages(&file, size);
        let started = Instant::now();
        read_sequentially(&file, 0, size);
        through_mount.push(mib_per_s(size, started.elapsed()));
    }
    (curl, median(direct), median(through_mount))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn read_sequentially(file: &File, from: u64, len: u64) {
    let mut buf = vec![0; SEQUENTIAL_BUFFER_BYTES];
    let mut offset = from;
    while offset < from + len {
        let want = usize::try_from((from + len - offset).min(buf.len() as u64)).expect("fits");
        let read = file
            .read_at(&mut buf[..want], offset)
            .expect("a sequential read");
        assert!(read > 0, "early end of file at {offset}");
        offset += read as u64;
    }
}

/// Drops the page cache, so that reads reach storage: every clean page of
/// the machine where allowed (root), or else `file`'s own. Dropping only
/// the mounted file's would be unfair in both directions: a passthrough
/// file's cache is its backing file's, while a peer's own cache file or
/// the server's copy would stay cached.
/// The server's copy is then read back into the cache: it stands for a
/// remote object, whose storage is not the reader's to pay for.
fn drop_page_cache(file: &File, size: u64) {
    if std::fs::write("/proc/sys/vm/drop_caches", "1").is_err() {
        forget_cached_pages(file, size);
        return;
    }
    let served = SERVED
        .get()
        .expect("the object is served before it is read");
    read_sequentially(
        &File::open(served).expect("the served object opens"),
        0,
        size,
    );
}

/// Where the server's copy of the object lives.
static SERVED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Drops `file`'s own cached pages: a plain FUSE file's, so that its next
/// read reaches the file system; a passthrough file has none of its own.
fn forget_cached_pages(file: &File, size: u64) {
    let len = std::num::NonZeroU64::new(size);
    let _ = rustix::fs::fadvise(file, 0, len, rustix::fs::Advice::DontNeed);
}

fn random_latencies(file: &File, size: u64, reads: usize) -> (Duration, Duration) {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut buf = vec![0; 4096];
    let mut latencies: Vec<Duration> = (0..reads)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let offset = state % (size / 4096) * 4096;
            let started = Instant::now();
            file.read_exact_at(&mut buf, offset).expect("a random read");
            started.elapsed()
        })
        .collect();
    latencies.sort();
    let at = |quantile: f64| latencies[((latencies.len() - 1) as f64 * quantile) as usize];
    (at(0.5), at(0.99))
}

fn mib_per_s(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / MIB as f64 / took.as_secs_f64()
}

fn write_object(path: &Path, size: u64) {
    let mut file = std::io::BufWriter::new(File::create(path).expect("the object creates"));
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut block = vec![0u8; MIB as usize];
    for _ in 0..size / MIB {
        for word in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        file.write_all(&block).expect("the object writes");
    }
    file.flush().expect("the object flushes");
}

/// nginx, serving `root` with a directory listing (httpdirfs and rclone
/// need one), on a free loopback port. httpfs2 wants `Accept-Ranges` on
/// partial replies too, which nginx sends only on whole ones unless told.
struct Nginx {
    master: Child,
    _prefix: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, so that the master stops its workers too.
        let pid = rustix::process::Pid::from_child(&self.master);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let _ = self.master.wait();
    }
}

fn start_nginx(root: &Path) -> (Nginx, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let prefix = tempfile::tempdir().expect("nginx's prefix");
    let config = format!(
        "worker_processes 2; error_log stderr; pid {prefix}/nginx.pid;\n\
         events {{ worker_connections 256; }}\n\
         http {{ access_log off; sendfile on; keepalive_timeout 60;\n\
           client_body_temp_path {prefix}; proxy_temp_path {prefix}; fastcgi_temp_path {prefix};\n\
           uwsgi_temp_path {prefix}; scgi_temp_path {prefix};\n\
           server {{ listen 127.0.0.1:{port}; root {root}; autoindex on;\n\
             add_header Accept-Ranges bytes always; }} }}\n",
        prefix = prefix.path().display(),
        root = root.display(),
    );
    let config_path = prefix.path().join("nginx.conf");
    std::fs::write(&config_path, config).expect("nginx's config writes");
    let child = Command::new("nginx")
        .arg("-c")
        .arg(&config_path)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx never listened"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let nginx = Nginx {
        master: child,
        _prefix: prefix,
    };
    (nginx, format!("http://127.0.0.1:{port}"))
}

fn print_table(rows: &[(String, Figures)], size: u64, staged_direct: f64, mount_warm: f64) {
    println!(
        "Object: {} MiB; every figure from a fresh mount, the median of its runs.\n",
        size / MIB
    );
    println!(
        "| tool | first 4 KiB at 0 | first 4 KiB at 90% | sequential, cold | 4 KiB random p50 | p99 | 8 readers |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, figures) in rows {
        println!(
            "| {name} | {} | {} | {:.0} MiB/s | {} | {} | {:.0} MiB/s |",
            show(figures.first_byte_at_0),
            show(figures.first_byte_at_90),
            figures.sequential_mib_per_s,
            show(figures.random_p50),
            show(figures.random_p99),
            figures.eight_readers_mib_per_s,
        );
    }
    let ours = &rows[0].1;
    let curl = &rows[rows.len() - 1].1;
    println!(
        "\nFirst byte at 0: {:.0}x sooner than curl's whole download.",
        curl.first_byte_at_0.as_secs_f64() / ours.first_byte_at_0.as_secs_f64()
    );
    println!(
        "Warm sequential read through the mount: {mount_warm:.0} MiB/s; of the staged temp file directly: \
         {staged_direct:.0} MiB/s ({:.2}x), medians of 5.",
        mount_warm / staged_direct
    );
}

fn show(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.2} s", duration.as_secs_f64())
    } else if duration >= Duration::from_millis(1) {
        format!("{:.1} ms", duration.as_secs_f64() * 1e3)
    } else {
        format!("{:.0} µs", duration.as_secs_f64() * 1e6)
    }
}

/// One panel per figure, one bar per tool; time panels on a log scale.
fn write_svg(path: &Path, rows: &[(String, Figures)]) -> std::io::Result<()> {
    type Pick = fn(&Figures) -> f64;
    let panels: [(&str, bool, Pick); 6] = [
        ("first 4 KiB at 0 (ms, log)", true, |f| {
            f.first_byte_at_0.as_secs_f64() * 1e3
        }),
        ("first 4 KiB at 90% (ms, log)", true, |f| {
            f.first_byte_at_90.as_secs_f64() * 1e3
        }),
        ("sequential, cold (MiB/s)", false, |f| {
            f.sequential_mib_per_s
        }),
        ("4 KiB random p50 (µs, log)", true, |f| {
            f.random_p50.as_secs_f64() * 1e6
        }),
        ("4 KiB random p99 (µs, log)", true, |f| {
            f.random_p99.as_secs_f64() * 1e6
        }),
        ("8 readers (MiB/s)", false, |f| f.eight_readers_mib_per_s),
    ];
    let colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#666666"];
    let (panel_w, panel_h, bar_area) = (300.0, 220.0, 150.0);
    let mut svg = String::new();
    let width = panel_w * 3.0;
    let height = panel_h * 2.0 + 40.0;
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    ));
    for (index, (title, log, pick)) in panels.iter().enumerate() {
        let x0 = (index % 3) as f64 * panel_w + 20.0;
        let y0 = (index / 3) as f64 * panel_h + 20.0;
        svg.push_str(&format!(
            "<text x=\"{x0}\" y=\"{y0}\" font-weight=\"bold\">{title}</text>\n"
        ));
        let values: Vec<f64> = rows
            .iter()
            .map(|(_, figures)| pick(figures).max(1e-3))
            .collect();
        let scale = |value: f64| {
            if *log {
                (value.log10() + 1.0).max(0.05)
            } else {
                value
            }
        };
        let top = values.iter().copied().map(scale).fold(f64::MIN, f64::max);
        let bar_w = (panel_w - 60.0) / values.len() as f64;
        for (bar, value) in values.iter().enumerate() {
            let h = scale(*value) / top * bar_area;
            let x = x0 + bar as f64 * bar_w;
            let y = y0 + 20.0 + bar_area - h;
            let colour = colours[bar % colours.len()];
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{colour}\"/>\n\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                bar_w - 6.0,
                x + (bar_w - 6.0) / 2.0,
                y - 3.0,
                compact(*value),
            ));
        }
    }
    let legend_y = panel_h * 2.0 + 25.0;
    for (index, (name, _)) in rows.iter().enumerate() {
        let x = 20.0 + index as f64 * 175.0;
        let colour = colours[index % colours.len()];
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{legend_y}\">{name}</text>\n",
            legend_y - 10.0,
            x + 16.0
        ));
    }
    svg.push_str("</svg>\n");
    std::fs::write(path, svg)
}

fn compact(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}
