package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const (
	// serveSubcommand is the hidden first argument that makes this binary
	// run kube-apiserver itself (the child process).
	serveSubcommand = "serve-apiserver"
	// parentPIDEnv lets the child notice that it was orphaned before
	// Pdeathsig could be armed.
	parentPIDEnv = "KUBE_EVENTS_APISERVER_PARENT_PID"
	// apiserverStopTimeout: SIGTERM, then SIGKILL after this long. The
	// apiserver's graceful shutdown takes about a second here.
	apiserverStopTimeout = 30 * time.Second
)

// serveAPIServer is the child: kube-apiserver in-process, flags from the parent.
func serveAPIServer(args []string) int {
	if want := os.Getenv(parentPIDEnv); want != "" && want != strconv.Itoa(os.Getppid()) {
		fmt.Fprintf(os.Stderr, "%s: parent %s is gone, not starting\n", serveSubcommand, want)
		return 1
	}
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", serveSubcommand, err)
		return 1
	}
	return 0
}

// apiserverConfig is everything the kube-apiserver flags are made of.
type apiserverConfig struct {
	etcdURL   string
	pki       *pkiFiles
	tokenFile string
	certDir   string
	eventTTL  time.Duration
	// extra are appended last (--apiserver-arg), so they override the defaults above.
	extra []string
}

// args are the kube-apiserver flags for a given secure port; see
// /work/shared/notes/real-apiserver.md for why each one is needed.
func (c apiserverConfig) args(port int) []string {
	return append([]string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--advertise-address=127.0.0.1",
		// A loopback advertise address is rejected for the `kubernetes`
		// Endpoints object; nothing here needs that object.
		"--endpoint-reconciler-type=none",
		// No controller-manager creates default ServiceAccounts.
		"--disable-admission-plugins=ServiceAccount",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--tls-cert-file=" + c.pki.ServingCert,
		"--tls-private-key-file=" + c.pki.ServingKey,
		"--client-ca-file=" + c.pki.ClientCAFile,
		"--token-auth-file=" + c.tokenFile,
		"--service-account-issuer=https://127.0.0.1:" + strconv.Itoa(port),
		"--service-account-key-file=" + c.pki.SAKeyFile,
		"--service-account-signing-key-file=" + c.pki.SAKeyFile,
		"--authorization-mode=RBAC",
		"--event-ttl=" + c.eventTTL.String(),
		"--profiling=false",
		// Only used for self-signed certs, which we never need; keep it in
		// the state dir anyway instead of /var/run/kubernetes.
		"--cert-dir=" + c.certDir,
	}, c.extra...)
}

// errChildExited: the apiserver child exited while we were waiting for it.
var errChildExited = errors.New("kube-apiserver process exited")

// apiserverProcess is the child process: one at a time, restartable.
type apiserverProcess struct {
	exe     string
	logPath string
	config  apiserverConfig
	logger  *log.Logger

	mu        sync.Mutex
	port      int
	cmd       *exec.Cmd
	done      chan struct{} // closed when the current child has exited
	stopping  bool
	lastExit  string
	starts    int
	startedAt time.Time
}

// start launches the child on p.port. The returned channel closes when it exits.
func (p *apiserverProcess) start() (<-chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil, errors.New("kube-apiserver is already running")
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy of the descriptor
	fmt.Fprintf(logFile, "===== %s: starting kube-apiserver on 127.0.0.1:%d =====\n", time.Now().Format(time.RFC3339Nano), p.port)

	cmd := exec.Command(p.exe, append([]string{serveSubcommand}, p.config.args(p.port)...)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), parentPIDEnv+"="+strconv.Itoa(os.Getpid()))
	cmd.SysProcAttr = childSysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.stopping = cmd, done, false
	p.starts++
	p.startedAt = time.Now()
	go p.wait(cmd, done)
	return done, nil
}

func (p *apiserverProcess) wait(cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	status := "exit 0"
	if err != nil {
		status = err.Error()
	}
	p.lastExit = fmt.Sprintf("pid %d: %s at %s", cmd.Process.Pid, status, time.Now().Format(time.RFC3339))
	if !p.stopping {
		p.logger.Printf("kube-apiserver (pid %d) exited unexpectedly: %s; see %s", cmd.Process.Pid, status, p.logPath)
	}
	if p.cmd == cmd {
		p.cmd = nil
	}
	close(done)
}

// stop sends SIGTERM (graceful shutdown), then SIGKILL after timeout, and
// waits until the child is gone and its port is free. No-op if not running.
func (p *apiserverProcess) stop(timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return nil
	}
	p.stopping = true
	p.mu.Unlock()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
	}
	p.logger.Printf("kube-apiserver (pid %d) did not stop within %s, killing it", cmd.Process.Pid, timeout)
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-done
	return nil
}

// pid of the running child, 0 if none.
func (p *apiserverProcess) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// exited is closed when the current child exits (nil if none was started).
func (p *apiserverProcess) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

func (p *apiserverProcess) setPort(port int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.port = port
}

func (p *apiserverProcess) currentPort() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.port
}

type processInfo struct {
	pid      int
	starts   int
	lastExit string
}

func (p *apiserverProcess) info() processInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := processInfo{starts: p.starts, lastExit: p.lastExit}
	if p.cmd != nil {
		i.pid = p.cmd.Process.Pid
	}
	return i
}
