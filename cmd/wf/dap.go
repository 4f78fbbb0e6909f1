package main

// This file wires wf dap: a dap.Server whose launch requests start a
// debug session as wf debug would.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/wf-lang/wf/dap"
	"github.com/wf-lang/wf/debug"
)

const dapSynopsis = `wf dap [--listen 127.0.0.1:PORT]

Serves the Debug Adapter Protocol on stdin and stdout, or on one
connection to a loopback address with --listen, for an editor to debug
.wf programs forwards and backwards. A launch request names the
"program" (a file, or a stored instance's ID) and takes wf debug's
flags as "args" (--signal, --input, --allow-read, --db, --at...), and
"stopOnEntry".

Flags:`

func cmdDap(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("dap", dapSynopsis, stderr)
	listen := fs.String("listen", "", "serve one connection at `ADDR`, a loopback host and a port, instead of stdio")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	srv := dap.NewServer(launchDebug)
	var err error
	if *listen == "" {
		err = srv.Serve(stdin, stdout)
	} else {
		err = serveOne(srv, *listen, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wf dap: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// serveOne serves the first connection to addr, which must be a
// loopback address: the protocol has no authentication, and a launch
// runs any program with the access its arguments grant.
func serveOne(srv *dap.Server, addr string, stderr io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--listen %s: only a loopback address (127.0.0.1, ::1, localhost) is served", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wf dap: listening at %s\n", l.Addr())
	conn, err := l.Accept()
	l.Close()
	if err != nil {
		return err
	}
	defer conn.Close()
	return srv.Serve(conn, conn)
}

// launchDebug starts a session for a launch request, parsing its args as
// wf debug's flags: "program" is a file, or a stored instance's ID with
// --db and --at in args, as for wf debug.
func launchDebug(a dap.LaunchArgs, stdout io.Writer) (*debug.Session, func(), error) {
	var msgs bytes.Buffer
	fs := flag.NewFlagSet("launch", flag.ContinueOnError)
	fs.SetOutput(&msgs)
	var d debugFlags
	d.register(fs)
	if err := fs.Parse(a.Args); err != nil {
		return nil, nil, fmt.Errorf("args: %v", err)
	}
	if fs.NArg() != 0 || d.lim.every != 0 {
		return nil, nil, fmt.Errorf("args: only flags of wf debug, not %q", strings.Join(fs.Args(), " "))
	}
	s, _, closeFn, _ := d.start(a.Program, stdout, &msgs)
	if s == nil {
		return nil, nil, errors.New(strings.TrimSpace(msgs.String()))
	}
	return s, closeFn, nil
}
