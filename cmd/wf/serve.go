package main

// This file wires wf serve: the web console (package console) over the
// engine of --db, on a loopback address unless a token guards it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wf-lang/wf/console"
	"github.com/wf-lang/wf/engine"
)

const serveSynopsis = `wf serve [--addr 127.0.0.1:7233] [--db FILE|URL] [--token T | --token-file F]

Serves a web console over the database: the instances, each one's state
at every version, diffs, and actions (signal, set, fork, rewind, cancel,
dry-run upgrade). It listens on loopback unless given a token, which
every request must then carry (open the console once with ?token=T).`

func cmdServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stderr)
}

// serve runs wf serve until ctx is done.
func serve(ctx context.Context, args []string, stderr io.Writer) int {
	fs := newFlags("serve", serveSynopsis, stderr)
	var d dbFlags
	d.register(fs)
	d.runsSteps(fs)
	addr := fs.String("addr", "127.0.0.1:7233", "listen at `HOST:PORT` (a non-loopback host needs a token)")
	token := fs.String("token", "", "require `TOKEN` of every request")
	tokenFile := fs.String("token-file", "", "require the token in `FILE` (its first line)")
	var poll time.Duration
	durationFlag(fs, &poll, "poll", 500*time.Millisecond, 50*time.Millisecond, time.Minute, "look for changes every `DURATION` for live updates")
	if _, ok := parse(fs, args, 0); !ok {
		return exitUsage
	}
	tok, err := serveToken(*token, *tokenFile, *addr)
	if err != nil {
		fmt.Fprintf(stderr, "wf serve: %v\n", err)
		return exitUsage
	}
	e, code := d.open(readWrite, engine.Options{}, stderr) // a signal resumes its instance at once, as wf signal does
	if e == nil {
		return code
	}
	defer e.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "wf serve: %v\n", err)
		return exitRuntime
	}
	srv := &http.Server{Handler: console.New(e, console.Options{Token: tok, Poll: poll}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "wf serve: %s on http://%s/%s\n", d.where(), ln.Addr(), tokenHint(tok))
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "wf serve: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// serveToken is the token to require ("" for none), refusing a
// non-loopback address without one.
func serveToken(token, file, addr string) (string, error) {
	if token != "" && file != "" {
		return "", errors.New("give --token or --token-file, not both")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		token, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
		if token = strings.TrimSpace(token); token == "" {
			return "", fmt.Errorf("%s holds no token", file)
		}
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %v", addr, err)
	}
	if token == "" && !console.LoopbackHost(host) {
		return "", fmt.Errorf("--addr %s is not a loopback address: serving it needs --token or --token-file, which every request must then carry", addr)
	}
	return token, nil
}

func tokenHint(token string) string {
	if token == "" {
		return ""
	}
	return " (open it once with ?token=YOUR_TOKEN)"
}
