package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// service is the example service on a fresh database behind a loopback
// HTTP server, with its worker running, as main runs it.
type service struct {
	url    string
	client *http.Client
	close  func()
}

func startService(tb testing.TB, clients int) *service {
	tb.Helper()
	e, err := engine.Open(filepath.Join(tb.TempDir(), "service.db"), engine.Options{Activities: activities()}, engine.SQLiteOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	worked := make(chan error, 1)
	go func() { worked <- e.Work(ctx, engine.WorkerOptions{}) }()
	srv := httptest.NewServer(NewHandler(e))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	return &service{url: srv.URL, client: client, close: func() {
		srv.Close()
		stop()
		if err := <-worked; err != nil {
			tb.Errorf("worker: %v", err)
		}
		e.Close()
	}}
}

// call posts body to path and decodes the answer; anything but 200 is an
// error.
func (s *service) call(path, body string) (State, error) {
	var st State
	resp, err := s.client.Post(s.url+path, "application/json", strings.NewReader(body))
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return st, fmt.Errorf("POST %s: %s: %s", path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// workflow makes one request and approves it, as a client of the service
// would, and returns the latency of each call.
func (s *service) workflow(n int) ([2]time.Duration, error) {
	var lat [2]time.Duration
	t0 := time.Now()
	st, err := s.call("/requests", fmt.Sprintf(`{"item": "laptop %d", "who": "ana"}`, n))
	if err != nil {
		return lat, err
	}
	t1 := time.Now()
	done, err := s.call("/approve/"+st.ID, `{"ok": true, "by": "bo"}`)
	lat = [2]time.Duration{t1.Sub(t0), time.Since(t1)}
	if err == nil && done.Status != "completed" {
		err = fmt.Errorf("%s after approval: %s", st.ID, done.Status)
	}
	return lat, err
}

// load runs total workflows from clients goroutines and returns every
// call's latency; it stops at the first error.
func (s *service) load(clients, total int) ([]time.Duration, error) {
	var mu sync.Mutex
	var lats []time.Duration
	var firstErr error
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for n := range next {
				lat, err := s.workflow(n)
				mu.Lock()
				lats = append(lats, lat[:]...)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					return
				}
			}
		})
	}
	wg.Wait()
	return lats, firstErr
}

// TestConcurrentClients: 32 and 128 clients, each making a request and
// approving it three times, on a fresh database; every call must succeed
// and every workflow complete. The SQLite store used to lock up under
// this load (requests failing with SQLITE_BUSY after 5, 10, 15 s).
func TestConcurrentClients(t *testing.T) {
	for _, clients := range []int{32, 128} {
		t.Run(fmt.Sprint(clients), func(t *testing.T) {
			s := startService(t, clients)
			defer s.close()
			if _, err := s.load(clients, 3*clients); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkService measures examples/service over loopback HTTP on a fresh
// database: b.N workflows (a POST /requests, then a POST /approve/{id}
// that completes it, its activity included) from 1 to 128 concurrent
// clients. It reports workflows per second and the 50th and 99th
// percentile latency of a call. Figures are in engine's package
// documentation; reproduce with
//
//	go test ./examples/service -run '^$' -bench Service -benchtime 2000x
func BenchmarkService(b *testing.B) {
	for _, clients := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := startService(b, clients)
			defer s.close()
			if _, err := s.workflow(-1); err != nil { // compiles and stores the program
				b.Fatal(err)
			}
			b.ResetTimer()
			lats, err := s.load(clients, b.N)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			slices.Sort(lats)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "workflows/s")
			b.ReportMetric(ms(lats[len(lats)/2]), "p50-ms")
			b.ReportMetric(ms(lats[len(lats)*99/100]), "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
