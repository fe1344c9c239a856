//! A whole session against a server that answers with the fuzz input: connect, login
//! (with FEAT), PWD, SIZE, MDTM, MLSD and a download in active mode (so the client never
//! dials an address the input names), QUIT. Any error is fine; a panic or hang is a bug.
#![no_main]
use ftp::{Flow, Ftp, Timeouts};
use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::thread;
use std::time::Duration;

const WAIT: Duration = Duration::from_millis(200);

fuzz_target!(|data: &[u8]| {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let replies = data.to_vec();
    let server = thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else { return };
        let _ = s.set_read_timeout(Some(WAIT));
        let _ = s.set_write_timeout(Some(WAIT));
        let _ = s.write_all(&replies);
        let _ = s.shutdown(Shutdown::Write);
        // Take whatever the client sends until it hangs up.
        let mut sink = [0u8; 4096];
        while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
    });
    let mut ftp = Ftp::new();
    ftp.set_pasv(false);
    if ftp.connect("127.0.0.1", port, Some(WAIT), None).is_ok() {
        let short = Some(Some(Duration::from_millis(50)));
        let _ = ftp.set_timeouts(Timeouts { connect: short, reply: Some(Some(WAIT)), data: short });
        let _ = ftp.login(Some("user"), Some("pass"), None);
        let _ = ftp.pwd();
        let _ = ftp.size("file");
        let _ = ftp.mdtm("file");
        let _ = ftp.mlsd("", &[], |_| Flow::Continue(()));
        let _ = ftp.retrbinary("RETR file", 4096, None, |_| Flow::Continue(()));
        let _ = ftp.quit();
    }
    drop(ftp);
    let _ = server.join();
});
