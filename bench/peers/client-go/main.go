// Command client-go is the benchmark peer that publishes Events through
// k8s.io/client-go tools/events, set up the way a controller would use it.
// Command line, markers and the result line follow ../CONTRACT.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
)

const (
	peerName            = "client-go"
	library             = "k8s.io/client-go"
	reportingController = "bench.kube-events.dev/peer"
)

type options struct {
	kubeconfig string
	scenario   string
	namespace  string
	name       string
	publishes  int
	durationMs int64
	shutdown   string
	graceMs    int64
	// distinctPublishes: storm only, Eventf calls about NAME-0 … issued
	// just before the storm (a fleet agent's startup).
	distinctPublishes int
}

// result is the one JSON line on stdout; field order follows the contract.
type result struct {
	Peer             string  `json:"peer"`
	Library          string  `json:"library"`
	Version          string  `json:"version"`
	Scenario         string  `json:"scenario"`
	Publishes        int     `json:"publishes"`
	StartedAt        float64 `json:"startedAt"`
	PublishedAt      float64 `json:"publishedAt"`
	MaxLagMs         float64 `json:"maxLagMs"`
	ErrorsSurfaced   int64   `json:"errorsSurfaced"`
	ShutdownMs       float64 `json:"shutdownMs"`
	ShutdownTimedOut bool    `json:"shutdownTimedOut"`
	CPUSeconds       float64 `json:"cpuSeconds"`
	PeakRSSBytes     int64   `json:"peakRssBytes"`
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	o, code := parseOptions(args)
	if code >= 0 {
		return code
	}

	// The logger must be in place before client-go captures klog.Background()
	// (NewRecorder does), so install it first.
	logger, errorCount := installLogger()

	config, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		logLine("client-go peer: kubeconfig: " + err.Error())
		return 1
	}
	// QPS and Burst stay unset on purpose: client-go's defaults (5 / 10) are
	// what a controller gets, and they shape what this library can deliver.
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		logLine("client-go peer: clientset: " + err.Error())
		return 1
	}

	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), logger))
	defer cancel()
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: clientset.EventsV1()})
	if err := broadcaster.StartRecordingToSinkWithContext(ctx); err != nil {
		logLine("client-go peer: start recording: " + err.Error())
		return 1
	}
	recorder := broadcaster.NewRecorder(scheme.Scheme, reportingController)

	var timing publishTiming
	if o.scenario == "storm" {
		timing = runStorm(recorder, o)
	} else {
		timing = runDistinct(recorder, o)
	}

	if o.shutdown == "stdin" {
		waitForStdinEOF()
	}
	shutdownMs, timedOut := shutdownWithin(broadcaster, time.Duration(o.graceMs)*time.Millisecond)

	cpuSeconds, peakRSS := resourceUsage()
	line, err := json.Marshal(result{
		Peer:             peerName,
		Library:          library,
		Version:          libraryVersion(),
		Scenario:         o.scenario,
		Publishes:        o.publishes,
		StartedAt:        timing.startedAt,
		PublishedAt:      timing.publishedAt,
		MaxLagMs:         timing.maxLagMs,
		ErrorsSurfaced:   errorCount.Load(),
		ShutdownMs:       shutdownMs,
		ShutdownTimedOut: timedOut,
		CPUSeconds:       cpuSeconds,
		PeakRSSBytes:     peakRSS,
	})
	if err != nil {
		logLine("client-go peer: result: " + err.Error())
		return 1
	}
	if _, err := os.Stdout.Write(append(line, '\n')); err != nil {
		return 1
	}
	return 0
}

// parseOptions returns the options and -1, or an exit code: 0 after -h, 2 for
// anything the contract calls a bad command line.
func parseOptions(args []string) (options, int) {
	var o options
	fs := flag.NewFlagSet(peerName, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (required)")
	fs.StringVar(&o.scenario, "scenario", "", "storm or distinct (required)")
	fs.StringVar(&o.namespace, "namespace", "", "namespace of every regarding object (required)")
	fs.StringVar(&o.name, "name", "", "regarding object name (storm) or name prefix (distinct) (required)")
	fs.IntVar(&o.publishes, "publishes", 0, "number of publishes (default 10000 for storm, 1000 for distinct)")
	fs.Int64Var(&o.durationMs, "duration-ms", 60000, "storm only: spread the publishes evenly over this many ms")
	fs.StringVar(&o.shutdown, "shutdown", "immediate", "immediate, or stdin: wait for EOF on stdin before shutting down")
	fs.Int64Var(&o.graceMs, "grace-ms", 10000, "graceful-shutdown deadline in ms")
	fs.IntVar(&o.distinctPublishes, "distinct-publishes", 0, "storm only: distinct publishes about NAME-0 … issued before the storm")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0
		}
		return o, 2 // the flag package already printed the reason
	}

	publishesSet := false
	fs.Visit(func(f *flag.Flag) { publishesSet = publishesSet || f.Name == "publishes" })
	if !publishesSet {
		o.publishes = map[string]int{"storm": 10000, "distinct": 1000}[o.scenario]
	}

	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	for _, required := range []struct{ flag, value string }{
		{"kubeconfig", o.kubeconfig}, {"namespace", o.namespace}, {"name", o.name},
	} {
		if required.value == "" {
			problems = append(problems, "--"+required.flag+" is required")
		}
	}
	if o.scenario != "storm" && o.scenario != "distinct" {
		problems = append(problems, fmt.Sprintf("--scenario must be storm or distinct, got %q", o.scenario))
	}
	if o.shutdown != "immediate" && o.shutdown != "stdin" {
		problems = append(problems, fmt.Sprintf("--shutdown must be immediate or stdin, got %q", o.shutdown))
	}
	if o.publishes < 0 {
		problems = append(problems, "--publishes must not be negative")
	}
	if o.durationMs < 0 {
		problems = append(problems, "--duration-ms must not be negative")
	}
	if o.distinctPublishes < 0 {
		problems = append(problems, "--distinct-publishes must not be negative")
	}
	if o.distinctPublishes > 0 && o.scenario != "storm" {
		problems = append(problems, "--distinct-publishes is for the storm scenario only")
	}
	if o.graceMs < 0 {
		problems = append(problems, "--grace-ms must not be negative")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			logLine("client-go peer: " + p)
		}
		return o, 2
	}
	return o, -1
}

// libraryVersion reads the client-go version actually linked in, so the
// result line cannot drift from go.mod.
func libraryVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == library {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return "unknown"
}

// resourceUsage reports user+system CPU seconds and peak RSS of this process.
// Linux only: ru_maxrss is in KiB there.
func resourceUsage() (cpuSeconds float64, peakRSSBytes int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		logLine("client-go peer: getrusage: " + err.Error())
		return 0, 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9, ru.Maxrss * 1024
}
