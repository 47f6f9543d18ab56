package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const (
	probeInterval = 100 * time.Millisecond
	probeTimeout  = 2 * time.Second
)

// errNotReady: the apiserver did not become ready within --ready-timeout.
var errNotReady = errors.New("kube-apiserver not ready in time")

// prober checks the apiserver the way a client would: over TLS verified
// with our CA (so the serving certificate's SANs are checked too).
type prober struct {
	server string
	http   *http.Client
	token  string
	admin  kubernetes.Interface
}

func newProber(server, caFile, adminToken string) (*prober, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	httpClient := &http.Client{
		Timeout: probeTimeout,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			DisableKeepAlives: true, // a restarted apiserver must not meet a stale connection
		},
	}
	cfg := &rest.Config{
		Host:            server,
		BearerToken:     adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		Timeout:         probeTimeout,
		UserAgent:       programName,
		QPS:             50,
		Burst:           100,
	}
	admin, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &prober{server: server, http: httpClient, token: adminToken, admin: admin}, nil
}

// readyz returns nil when GET /readyz answers 200.
func (p *prober) readyz(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.server+"/readyz", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz answered %s", res.Status)
	}
	return nil
}

// healthy: /readyz is 200 and namespace default exists.
func (p *prober) healthy(ctx context.Context) error {
	if err := p.readyz(ctx); err != nil {
		return err
	}
	if _, err := p.admin.CoreV1().Namespaces().Get(ctx, metav1.NamespaceDefault, metav1.GetOptions{}); err != nil {
		return fmt.Errorf("namespace default: %w", err)
	}
	return nil
}

// ready: healthy, and the RBAC bindings have taken effect.
func (p *prober) ready(ctx context.Context) error {
	if err := p.healthy(ctx); err != nil {
		return err
	}
	problem, err := rbacEffective(ctx, p.admin)
	if err != nil {
		return err
	}
	if problem != "" {
		return errors.New(problem)
	}
	return nil
}

func (p *prober) waitHealthy(ctx context.Context, exited <-chan struct{}) error {
	return poll(ctx, exited, p.healthy)
}

func (p *prober) waitReady(ctx context.Context, exited <-chan struct{}) error {
	return poll(ctx, exited, p.ready)
}

// poll runs check every probeInterval until it succeeds, the child exits or
// ctx ends; the error says what was last wrong.
func poll(ctx context.Context, exited <-chan struct{}, check func(context.Context) error) error {
	started := time.Now()
	var last error
	for {
		select {
		case <-exited:
			return fmt.Errorf("%w while waiting for readiness (last check: %v)", errChildExited, last)
		default:
		}
		checkCtx, cancel := context.WithTimeout(ctx, probeTimeout)
		last = check(checkCtx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w after %s (last check: %v)", errNotReady, time.Since(started).Round(time.Millisecond), last)
			}
			return ctx.Err()
		case <-exited:
		case <-time.After(probeInterval):
		}
	}
}

// readyInfo is the ready file: everything a test needs to connect.
type readyInfo struct {
	Server           string                    `json:"server"`
	CAFile           string                    `json:"caFile"`
	Version          string                    `json:"version"`
	StateDir         string                    `json:"stateDir"`
	PID              int                       `json:"pid"`
	ControlURL       string                    `json:"controlUrl"`
	APIServerLog     string                    `json:"apiserverLog"`
	Kubeconfigs      map[string]string         `json:"kubeconfigs"`
	Tokens           map[string]string         `json:"tokens"`
	ClientCert       map[string]clientCertInfo `json:"clientCert"`
	EventTTL         string                    `json:"eventTTL"`
	StartedToReadyMs int64                     `json:"startedToReadyMs"`
}

type clientCertInfo struct {
	CertFile string `json:"certFile"`
	KeyFile  string `json:"keyFile"`
}

func (h *harness) readyInfo(version string, readyMs int64) readyInfo {
	return readyInfo{
		Server:       h.server,
		CAFile:       h.pki.CAFile,
		Version:      version,
		StateDir:     h.stateDir,
		PID:          os.Getpid(),
		ControlURL:   h.control.url,
		APIServerLog: h.api.logPath,
		Kubeconfigs:  h.ids.kubeconfigs,
		Tokens:       h.ids.tokens,
		ClientCert: map[string]clientCertInfo{
			idCertWriter: {CertFile: h.pki.CertWriterCert, KeyFile: h.pki.CertWriterKey},
		},
		EventTTL:         h.opts.eventTTL.String(),
		StartedToReadyMs: readyMs,
	}
}

// writeReadyFile writes atomically (temp file in the same folder, then
// rename), so a reader never sees a partial file.
func writeReadyFile(path string, info readyInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
