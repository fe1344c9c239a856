// ftp-srv (Node.js) for the live tests: anonymous (USER anonymous, answered 230 at once)
// in the read-only anonymous tree, and the test user in its own home. With --cert/--key
// it offers explicit TLS (AUTH TLS); --implicit makes it TLS from the first byte.
// Writes the port it listens on to --port-file once listening.
// Usage: node ftp-srv.js --user U --password P --home DIR --anon-root DIR --port-file F
//        [--cert PEM --key PEM [--implicit]] [--log FILE]
'use strict';
const fs = require('fs');
const net = require('net');

const opts = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
  const key = a.slice(2);
  if (key === 'implicit') opts.implicit = true;
  else opts[key] = process.argv[++i];
}
for (const k of ['user', 'password', 'home', 'anon-root', 'port-file']) {
  if (!opts[k]) throw new Error(`--${k} is required`);
}

const FtpSrv = require('ftp-srv');
const {FileSystem} = FtpSrv;
const bunyan = require('bunyan');
const log = bunyan.createLogger({
  name: 'ftp-srv',
  level: 'info',
  streams: [opts.log ? {path: opts.log} : {stream: process.stderr}],
});

// Anonymous sessions may read only (the server runs as root, like pyftpdlib here).
class ReadOnlyFileSystem extends FileSystem {}
for (const op of ['write', 'delete', 'mkdir', 'rename', 'chmod']) {
  ReadOnlyFileSystem.prototype[op] = () => Promise.reject(Object.assign(new Error('Permission denied'), {code: 550}));
}

// A free port first (ftp-srv wants it in its URL), then listen on it.
const probe = net.createServer();
probe.listen(0, '127.0.0.1', () => {
  const port = probe.address().port;
  probe.close(() => {
    const tls = opts.cert ? {key: fs.readFileSync(opts.key), cert: fs.readFileSync(opts.cert)} : false;
    const scheme = opts.implicit ? 'ftps' : 'ftp';
    const server = new FtpSrv({
      url: `${scheme}://127.0.0.1:${port}`,
      pasv_url: '127.0.0.1',
      pasv_min: 1024,
      pasv_max: 65535,
      anonymous: true,
      tls,
      log,
    });
    server.on('login', ({connection, username, password}, resolve, reject) => {
      if (username === 'anonymous') return resolve({fs: new ReadOnlyFileSystem(connection, {root: opts['anon-root']})});
      if (username === opts.user && password === opts.password) return resolve({root: opts.home});
      return reject(new Error('Login incorrect'));
    });
    server.listen().then(() => fs.writeFileSync(opts['port-file'], `${port}\n`));
  });
});
