package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"time"
)

// controlServer is plain HTTP on 127.0.0.1 (random port) for tests that
// need to restart, stop or inspect the apiserver:
//
//	POST /restart          stop the child gracefully, start it on the same port; 200 once ready
//	POST /stop-apiserver   stop the child; the server port then refuses connections
//	POST /start-apiserver  start the child if it is down; 200 once ready
//	GET  /status           up/down, pids, resident memory of parent and child
//	POST /shutdown         same as SIGTERM
type controlServer struct {
	url string
	srv *http.Server
}

type statusReply struct {
	APIServer      string `json:"apiserver"` // "up" (process running) or "down"
	Ready          bool   `json:"ready"`     // /readyz answered 200 just now
	Server         string `json:"server"`
	PID            int    `json:"pid"`
	APIServerPID   int    `json:"apiserverPid"`
	ParentRSSBytes int64  `json:"parentRssBytes"`
	ChildRSSBytes  int64  `json:"apiserverRssBytes"`
	TotalRSSBytes  int64  `json:"totalRssBytes"`
	Starts         int    `json:"apiserverStarts"`
	LastExit       string `json:"lastExit,omitempty"`
}

type actionReply struct {
	OK           bool   `json:"ok"`
	APIServerPID int    `json:"apiserverPid"`
	ElapsedMs    int64  `json:"elapsedMs"`
	Error        string `json:"error,omitempty"`
}

func startControlServer(h *harness) (*controlServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	// Method patterns: any other method gets 405 from the mux.
	mux.HandleFunc("POST /restart", func(w http.ResponseWriter, r *http.Request) {
		act(w, h, func() error { return h.restartAPIServer(r.Context(), true) })
	})
	mux.HandleFunc("POST /start-apiserver", func(w http.ResponseWriter, r *http.Request) {
		act(w, h, func() error { return h.restartAPIServer(r.Context(), false) })
	})
	mux.HandleFunc("POST /stop-apiserver", func(w http.ResponseWriter, r *http.Request) {
		act(w, h, h.stopAPIServer)
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		info := h.api.info()
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		s := statusReply{
			APIServer:      "down",
			Ready:          info.pid != 0 && h.probe.readyz(ctx) == nil,
			Server:         h.server,
			PID:            os.Getpid(),
			APIServerPID:   info.pid,
			ParentRSSBytes: residentBytes(os.Getpid()),
			ChildRSSBytes:  residentBytes(info.pid),
			Starts:         info.starts,
			LastExit:       info.lastExit,
		}
		if info.pid != 0 {
			s.APIServer = "up"
		}
		s.TotalRSSBytes = s.ParentRSSBytes + s.ChildRSSBytes
		writeJSON(w, http.StatusOK, s)
	})
	mux.HandleFunc("POST /shutdown", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		h.requestShutdown()
	})
	c := &controlServer{
		url: "http://" + l.Addr().String(),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
	}
	go func() {
		if err := c.srv.Serve(l); err != nil && err != http.ErrServerClosed {
			h.logger.Printf("control endpoint: %v", err)
		}
	}()
	return c, nil
}

func act(w http.ResponseWriter, h *harness, op func() error) {
	started := time.Now()
	err := op()
	reply := actionReply{OK: err == nil, APIServerPID: h.api.pid(), ElapsedMs: time.Since(started).Milliseconds()}
	status := http.StatusOK
	if err != nil {
		reply.Error = err.Error()
		status = http.StatusInternalServerError
		h.logger.Printf("control: %v", err)
	}
	writeJSON(w, status, reply)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// close lets in-flight replies (such as the one to POST /shutdown) finish.
func (c *controlServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		_ = c.srv.Close()
	}
}
