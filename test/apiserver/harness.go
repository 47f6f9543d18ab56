package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// stateMarker marks a folder as ours, so that a --state-dir that already
// holds something else is never removed at exit.
const stateMarker = ".kube-events-apiserver"

// bindRetries: with --port 0, how many fresh ports to try when the chosen
// one was taken between picking it and the apiserver binding it.
const bindRetries = 5

type harness struct {
	opts      options
	logger    *log.Logger
	startedAt time.Time

	stateDir  string
	readyFile string

	etcd    *embed.Etcd
	pki     *pkiFiles
	ids     *identities
	api     *apiserverProcess
	server  string // https://127.0.0.1:PORT
	probe   *prober
	control *controlServer

	opMu              sync.Mutex // serialises start/stop/restart
	shutdownRequested chan struct{}
	shutdownOnce      sync.Once
	cleanupOnce       sync.Once
}

func newHarness(opts options, logger *log.Logger, startedAt time.Time) *harness {
	return &harness{opts: opts, logger: logger, startedAt: startedAt, shutdownRequested: make(chan struct{})}
}

// start brings everything up and returns the path of the ready file.
func (h *harness) start(ctx context.Context) (string, error) {
	if err := h.prepareStateDir(); err != nil {
		return "", err
	}
	h.logger.Printf("state dir %s", h.stateDir)

	var err error
	if h.pki, err = writePKI(filepath.Join(h.stateDir, "pki")); err != nil {
		return "", fmt.Errorf("writing certificates: %w", err)
	}
	if h.ids, err = newIdentities(filepath.Join(h.stateDir, "auth")); err != nil {
		return "", fmt.Errorf("writing tokens: %w", err)
	}
	etcd, etcdURL, err := startEtcd(filepath.Join(h.stateDir, "etcd"))
	if err != nil {
		return "", err
	}
	h.etcd = etcd
	h.logger.Printf("etcd serving on %s", etcdURL)

	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	h.api = &apiserverProcess{
		exe:     exe,
		logPath: filepath.Join(h.stateDir, "apiserver.log"),
		logger:  h.logger,
		config: apiserverConfig{
			etcdURL:   etcdURL,
			pki:       h.pki,
			tokenFile: h.ids.tokenFile,
			certDir:   filepath.Join(h.stateDir, "apiserver-certs"),
			eventTTL:  h.opts.eventTTL,
			extra:     h.opts.apiserverArgs,
		},
	}

	readyCtx, cancel := context.WithTimeout(ctx, h.opts.readyTimeout)
	defer cancel()
	if err := h.startFirstAPIServer(readyCtx); err != nil {
		return "", err
	}

	if err := h.ids.writeKubeconfigs(filepath.Join(h.stateDir, "kubeconfig"), h.server, h.pki); err != nil {
		return "", err
	}
	if err := applyRBAC(readyCtx, h.probe.admin); err != nil {
		return "", fmt.Errorf("creating RBAC objects: %w", err)
	}
	if err := h.probe.waitReady(readyCtx, h.api.exited()); err != nil {
		return "", err
	}

	if h.control, err = startControlServer(h); err != nil {
		return "", err
	}
	version, err := h.probe.admin.Discovery().ServerVersion()
	if err != nil {
		return "", fmt.Errorf("reading /version: %w", err)
	}
	readyMs := time.Since(h.startedAt).Milliseconds()
	if err := writeReadyFile(h.readyFile, h.readyInfo(version.GitVersion, readyMs)); err != nil {
		return "", err
	}
	h.logger.Printf("ready in %d ms: %s (kube-apiserver %s, pid %d)", readyMs, h.server, version.GitVersion, h.api.pid())
	return h.readyFile, nil
}

// startFirstAPIServer starts the child and waits for /readyz. With --port 0
// a port lost to another process is replaced by a fresh one.
func (h *harness) startFirstAPIServer(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		port := h.opts.port
		if port == 0 {
			var err error
			if port, err = freePort(); err != nil {
				return err
			}
		}
		h.api.setPort(port)
		h.server = fmt.Sprintf("https://127.0.0.1:%d", port)
		probe, err := newProber(h.server, h.pki.CAFile, h.ids.tokens[idAdmin])
		if err != nil {
			return err
		}
		h.probe = probe

		logOffset := fileSize(h.api.logPath)
		done, err := h.api.start()
		if err != nil {
			return err
		}
		err = h.probe.waitHealthy(ctx, done)
		if err == nil {
			return nil
		}
		if errors.Is(err, errChildExited) && h.opts.port == 0 && attempt < bindRetries &&
			logContains(h.api.logPath, logOffset, "address already in use") {
			h.logger.Printf("port %d was taken, trying another", port)
			continue
		}
		return err
	}
}

// restartAPIServer stops the child (if running) and starts it again on the
// same port against the same etcd, returning once it is ready again.
func (h *harness) restartAPIServer(ctx context.Context, stopFirst bool) error {
	h.opMu.Lock()
	defer h.opMu.Unlock()
	if stopFirst {
		if err := h.api.stop(apiserverStopTimeout); err != nil {
			return err
		}
	} else if h.api.pid() != 0 {
		return nil // already running
	}
	done, err := h.api.start()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, h.opts.readyTimeout)
	defer cancel()
	return h.probe.waitReady(ctx, done)
}

func (h *harness) stopAPIServer() error {
	h.opMu.Lock()
	defer h.opMu.Unlock()
	return h.api.stop(apiserverStopTimeout)
}

func (h *harness) requestShutdown() {
	h.shutdownOnce.Do(func() { close(h.shutdownRequested) })
}

// cleanup stops everything that was started, in reverse order, and removes
// the state dir (unless --keep-state) and the ready file.
func (h *harness) cleanup() {
	h.cleanupOnce.Do(func() {
		if h.control != nil {
			h.control.close()
		}
		if h.api != nil {
			if err := h.api.stop(apiserverStopTimeout); err != nil {
				h.logger.Printf("stopping kube-apiserver: %v", err)
			}
		}
		if h.etcd != nil {
			h.etcd.Close()
		}
		if h.readyFile != "" {
			_ = os.Remove(h.readyFile)
		}
		if h.stateDir != "" && !h.opts.keepState {
			if err := os.RemoveAll(h.stateDir); err != nil {
				h.logger.Printf("removing %s: %v", h.stateDir, err)
			}
		} else if h.stateDir != "" {
			h.logger.Printf("state kept in %s", h.stateDir)
		}
	})
}

func (h *harness) prepareStateDir() error {
	if h.opts.stateDir == "" {
		dir, err := os.MkdirTemp("", programName+"-")
		if err != nil {
			return err
		}
		h.stateDir = dir
	} else {
		dir, err := filepath.Abs(h.opts.stateDir)
		if err != nil {
			return err
		}
		entries, err := os.ReadDir(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		case err != nil:
			return err
		case len(entries) > 0 && !fileExists(filepath.Join(dir, stateMarker)):
			return fmt.Errorf("--state-dir %s is not empty and was not made by %s; refusing to use (and later delete) it", dir, programName)
		}
		h.stateDir = dir
	}
	if err := os.WriteFile(filepath.Join(h.stateDir, stateMarker), []byte("state folder of "+programName+"\n"), 0o644); err != nil {
		return err
	}
	h.readyFile = h.opts.readyFile
	if h.readyFile == "" {
		h.readyFile = filepath.Join(h.stateDir, "ready.json")
	}
	return nil
}

// printLogTail writes the last n lines of the apiserver log (start-up failures).
func (h *harness) printLogTail(w io.Writer, n int) {
	if h.api == nil {
		return
	}
	data, err := os.ReadFile(h.api.logPath)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	fmt.Fprintf(w, "----- last %d lines of %s -----\n%s\n-----\n", len(lines), h.api.logPath, strings.Join(lines, "\n"))
}

// freePort asks the kernel for a free loopback port and releases it.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func logContains(path string, offset int64, needle string) bool {
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) < offset {
		return false
	}
	return strings.Contains(string(data[offset:]), needle)
}
