//! Fewer round trips and the zero-copy data path, against the scripted fake server:
//! TYPE sent only when the type changes, TYPE pipelined with EPSV/SIZE (and what happens
//! when the pipelined TYPE is refused), EPSV pipelined with the transfer command, and splice/sendfile transfers moving exactly the
//! bytes the read/write path moves.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{assert_never_sent, done, exchange, expect, quit, reply};
use ftp::{ErrorKind, Ftp};
use std::io::{Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::time::Duration;

/// A client with the defaults (pipelining and TYPE caching on), FEAT after login off.
fn session(script: Vec<Vec<Step>>, timeout: Duration) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 ready")];
    full.extend(script.into_iter().flatten());
    let server = FakeServer::start(full);
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    ftp.connect("127.0.0.1", server.port, Some(timeout), None).unwrap();
    (server, ftp)
}

/// TYPE and EPSV arrive together: the server answers TYPE only once it has both lines,
/// which deadlocks a client that waits for the TYPE reply first.
fn pipelined_epsv(ty: &str) -> Vec<Step> {
    vec![expect(&format!("TYPE {ty}")), expect("EPSV"), reply("200 type set"), Step::Epsv]
}

/// The rest of a passive download of `data` after the 229.
fn download(cmd: &str, data: &[u8]) -> Vec<Step> {
    vec![
        expect(cmd),
        reply("150 go"),
        Step::DataAccept,
        Step::DataSend(data.to_vec()),
        Step::DataClose,
        reply("226 done"),
    ]
}

/// The rest of a passive upload after the 229 (the server records the bytes).
fn upload(cmd: &str) -> Vec<Step> {
    vec![expect(cmd), reply("150 go"), Step::DataAccept, Step::DataRecvAll, Step::DataClose, reply("226 done")]
}

fn retr(ftp: &mut Ftp, name: &str) -> Vec<u8> {
    let mut got = Vec::new();
    ftp.retrbinary(format!("RETR {name}"), 8192, None, |b| {
        got.extend_from_slice(b);
        ControlFlow::Continue(())
    })
    .unwrap();
    got
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 253) as u8).collect()
}

#[test]
fn type_is_sent_once_per_change_and_pipelined_with_epsv() {
    let script = vec![
        pipelined_epsv("I"),
        download("RETR a", b"aaa"),
        // Same type: straight to EPSV.
        vec![expect("EPSV"), Step::Epsv],
        download("RETR b", b"bbb"),
        // A listing needs ASCII, the next download binary again.
        pipelined_epsv("A"),
        download("NLST", b"x\r\n"),
        pipelined_epsv("I"),
        download("RETR c", b"ccc"),
        // The caller changed the type behind the session's back: TYPE is sent again.
        exchange("TYPE A", "200 ascii"),
        pipelined_epsv("I"),
        download("RETR d", b"ddd"),
        quit(),
    ];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    assert_eq!(retr(&mut ftp, "a"), b"aaa");
    assert_eq!(retr(&mut ftp, "b"), b"bbb");
    let mut names = Vec::new();
    ftp.nlst("", |n| {
        names.push(n.to_vec());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(names, vec![b"x".to_vec()]);
    assert_eq!(retr(&mut ftp, "c"), b"ccc");
    ftp.voidcmd("TYPE A").unwrap();
    assert_eq!(retr(&mut ftp, "d"), b"ddd");
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("TYPE")).count(), 5, "{:?}", t.commands);
}

#[test]
fn without_pipelining_type_waits_for_its_reply() {
    // The pipelined script again: a client that waits for the TYPE reply before sending
    // EPSV never gets one, and times out. This is what proves the default pipelines.
    let script = vec![pipelined_epsv("I")];
    let (server, mut ftp) = session(script, Duration::from_millis(500));
    ftp.set_pipelining(false);
    let err = ftp.retrbinary("RETR a", 8192, None, |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    drop(ftp);
    let t = server.finish_any();
    assert_eq!(t.commands, vec!["TYPE I"]);
}

#[test]
fn a_refused_pipelined_type_is_reported_and_replies_stay_in_step() {
    let script = vec![
        vec![
            expect("TYPE I"),
            expect("EPSV"),
            reply("504 type not supported"),
            reply("229 Entering Extended Passive Mode (|||1|)"),
        ],
        // The session is in step: NOOP gets its own reply, not the 229.
        exchange("NOOP", "200 noop ok"),
        quit(),
    ];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    let err = ftp.retrbinary("RETR a", 8192, None, |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Perm, "{err}");
    assert!(err.to_string().contains("504"), "{err}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap().code, 200);
    let t = done(server, ftp);
    assert_never_sent(&t, &["RETR"]);
}

#[test]
fn size_is_pipelined_with_type_and_the_type_is_kept() {
    let script = vec![
        vec![expect("TYPE I"), expect("SIZE f"), reply("200 binary"), reply("213 1234")],
        // Already binary: SIZE alone, then the download without TYPE.
        exchange("SIZE g", "213 5"),
        vec![expect("EPSV"), Step::Epsv],
        download("RETR g", b"12345"),
        quit(),
    ];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    assert_eq!(ftp.size("f").unwrap(), Some(1234));
    assert_eq!(ftp.size("g").unwrap(), Some(5));
    assert_eq!(retr(&mut ftp, "g"), b"12345");
    done(server, ftp);
}

#[test]
fn type_caching_off_sends_type_before_every_transfer() {
    let script =
        vec![pipelined_epsv("I"), download("RETR a", b"a"), pipelined_epsv("I"), download("RETR b", b"b"), quit()];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    ftp.set_type_caching(false);
    retr(&mut ftp, "a");
    retr(&mut ftp, "b");
    done(server, ftp);
}

/// After one EPSV has worked, EPSV and the transfer command go in one write: the server
/// here answers EPSV only once it has both lines, which deadlocks a client that waits.
fn pipelined_transfer(cmd: &str) -> Vec<Step> {
    vec![expect("EPSV"), expect(cmd), Step::Epsv]
}

#[test]
fn epsv_and_the_transfer_command_are_pipelined_once_epsv_worked() {
    let mut script = vec![pipelined_epsv("I"), download("RETR a", b"first")];
    script.push(pipelined_transfer("RETR b"));
    script.push(download("RETR b", b"second")[1..].to_vec());
    script.push(pipelined_transfer("STOR c"));
    script.push(upload("STOR c")[1..].to_vec());
    script.push(quit());
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    assert_eq!(retr(&mut ftp, "a"), b"first");
    assert_eq!(retr(&mut ftp, "b"), b"second");
    ftp.storbinary("STOR c", &mut &b"uploaded"[..], 8192, None, |_| ControlFlow::Continue(())).unwrap();
    let t = done(server, ftp);
    assert_eq!(t.data, vec![b"uploaded".to_vec()]);
}

#[test]
fn without_pipelining_the_transfer_command_waits_for_the_229() {
    let script = vec![pipelined_epsv("I"), download("RETR a", b"x"), pipelined_transfer("RETR b")];
    let (server, mut ftp) = session(script, Duration::from_millis(500));
    assert_eq!(retr(&mut ftp, "a"), b"x");
    ftp.set_pipelining(false);
    let err = ftp.retrbinary("RETR b", 8192, None, |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    drop(ftp);
    let t = server.finish_any();
    assert_eq!(t.commands.last().map(String::as_str), Some("EPSV"), "{:?}", t.commands);
}

#[test]
fn a_refused_pipelined_command_is_reported_rather_than_the_closed_port() {
    let script = vec![
        pipelined_epsv("I"),
        download("RETR a", b"x"),
        pipelined_transfer("RETR missing"),
        // The server gives up on the port at once and refuses the file.
        vec![Step::PasvClose, reply("550 no such file")],
        exchange("NOOP", "200 in step"),
        quit(),
    ];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    retr(&mut ftp, "a");
    let err = ftp.retrbinary("RETR missing", 8192, None, |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Perm, "{err}");
    assert!(err.to_string().contains("550"), "{err}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap().code, 200);
    done(server, ftp);
}

#[test]
fn a_refused_pipelined_epsv_reads_both_replies() {
    let script = vec![
        pipelined_epsv("I"),
        download("RETR a", b"x"),
        vec![expect("EPSV"), expect("RETR b"), reply("500 EPSV not now"), reply("425 use EPSV first")],
        exchange("NOOP", "200 in step"),
        quit(),
    ];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    retr(&mut ftp, "a");
    let err = ftp.retrbinary("RETR b", 8192, None, |_| ControlFlow::Continue(())).unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap().code, 200);
    done(server, ftp);
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    d.join(format!("round-trips-{name}-{}", std::process::id()))
}

#[test]
fn zero_copy_and_read_write_paths_move_the_same_bytes() {
    let data = payload(3 * 1024 * 1024 + 17);
    for zero_copy in [true, false] {
        let mut script = vec![pipelined_epsv("I"), download("RETR big", &data)];
        // Resume from 1000 bytes into an existing file.
        script.extend([
            vec![expect("EPSV"), Step::Epsv],
            exchange("REST 1000", "350 ok"),
            download("RETR big", &data[1000..]),
        ]);
        // Upload the file back, whole, with STOR.
        script.extend([vec![expect("EPSV"), Step::Epsv], upload("STOR copy")]);
        script.push(quit());
        let (server, mut ftp) = session(script, Duration::from_secs(5));
        ftp.set_zero_copy(zero_copy, zero_copy);

        let path = temp_path(&format!("zc-{zero_copy}"));
        let mut file = std::fs::File::options().create(true).truncate(true).read(true).write(true).open(&path).unwrap();
        assert_eq!(ftp.retr_to("big", &mut file, None).unwrap(), data.len() as u64);
        assert_eq!(std::fs::read(&path).unwrap(), data);

        // Resume: cut the file to 1000 bytes, continue from there.
        file.set_len(1000).unwrap();
        file.seek(SeekFrom::Start(1000)).unwrap();
        assert_eq!(ftp.retr_to("big", &mut file, Some(1000)).unwrap(), (data.len() - 1000) as u64);
        assert_eq!(std::fs::read(&path).unwrap(), data, "zero_copy={zero_copy}");

        file.seek(SeekFrom::Start(0)).unwrap();
        assert_eq!(ftp.stor_from_file(&mut file, "copy", None).unwrap(), data.len() as u64);
        let t = done(server, ftp);
        assert_eq!(t.data.len(), 1);
        assert!(t.data[0] == data, "upload with zero_copy={zero_copy} differs");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn an_appending_file_falls_back_to_read_write() {
    let data = payload(300_000);
    let script = vec![pipelined_epsv("I"), download("RETR f", &data), quit()];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    let path = temp_path("append");
    std::fs::write(&path, b"head").unwrap();
    let mut file = std::fs::File::options().append(true).open(&path).unwrap();
    assert_eq!(ftp.retr_to("f", &mut file, None).unwrap(), data.len() as u64);
    file.flush().unwrap();
    let mut want = b"head".to_vec();
    want.extend_from_slice(&data);
    assert_eq!(std::fs::read(&path).unwrap(), want);
    done(server, ftp);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_zero_copy_download_cut_short_by_the_server_is_reported() {
    // The server closes the data connection early and says so: 426.
    let data = payload(100_000);
    let script = vec![
        pipelined_epsv("I"),
        vec![expect("RETR f"), reply("150 go"), Step::DataAccept, Step::DataSend(data), Step::DataClose],
        vec![reply("426 connection closed; transfer aborted")],
        quit(),
    ];
    let (server, mut ftp) = session(script, Duration::from_secs(5));
    let path = temp_path("cut");
    let mut file = std::fs::File::create(&path).unwrap();
    let err = ftp.retr_to("f", &mut file, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Temp, "{err}");
    assert_eq!(ftp.last_reply().unwrap().code, 426);
    done(server, ftp);
    std::fs::remove_file(&path).unwrap();
}
