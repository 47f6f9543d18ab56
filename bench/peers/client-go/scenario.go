package main

import (
	"io"
	"os"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
)

type publishTiming struct {
	startedAt   float64 // Unix ms of @started
	publishedAt float64 // Unix ms of @published
	maxLagMs    float64
}

// newPod is the regarding object: only what GetReference needs, no UID and no
// resourceVersion, so every publish about one name has the same key.
func newPod(namespace, name string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
	}
}

func publish(recorder events.EventRecorder, regarding *corev1.Pod) {
	recorder.Eventf(regarding, nil, corev1.EventTypeWarning, "ReconcileFailed", "Reconcile",
		"reconcile failed: %s", "dependency not ready")
}

// runStorm publishes about one object on an absolute schedule, so a slow
// publish delays only itself and shows up as lag instead of shifting the rest.
func runStorm(recorder events.EventRecorder, o options) publishTiming {
	regarding := newPod(o.namespace, o.name)
	n := int64(o.publishes)
	duration := time.Duration(o.durationMs) * time.Millisecond

	start := time.Now()
	timing := publishTiming{startedAt: unixMs(start)}
	marker("started", timing.startedAt)
	// A fleet agent's startup: its distinct Events go out before the storm.
	for i := 0; i < o.distinctPublishes; i++ {
		publish(recorder, newPod(o.namespace, o.name+"-"+strconv.Itoa(i)))
	}
	var maxLag time.Duration
	for i := int64(0); i < n; i++ {
		due := start.Add(time.Duration(int64(duration) * i / n))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		if lag := time.Since(due); lag > maxLag {
			maxLag = lag
		}
		publish(recorder, regarding)
	}
	timing.publishedAt = unixMs(time.Now())
	marker("published", timing.publishedAt)
	timing.maxLagMs = float64(maxLag) / float64(time.Millisecond)
	return timing
}

// runDistinct makes N Eventf calls about NAME-0 … NAME-(N-1) back to back;
// Eventf is fire and forget, so nothing waits for the API here.
func runDistinct(recorder events.EventRecorder, o options) publishTiming {
	start := time.Now()
	timing := publishTiming{startedAt: unixMs(start)}
	marker("started", timing.startedAt)
	for i := 0; i < o.publishes; i++ {
		publish(recorder, newPod(o.namespace, o.name+"-"+strconv.Itoa(i)))
	}
	timing.publishedAt = unixMs(time.Now())
	marker("published", timing.publishedAt)
	return timing
}

func waitForStdinEOF() {
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		logLine("client-go peer: reading stdin: " + err.Error())
	}
}

// shutdownWithin runs broadcaster.Shutdown() and gives up waiting after
// grace; the process exits right after, which abandons whatever is left.
func shutdownWithin(broadcaster events.EventBroadcaster, grace time.Duration) (ms float64, timedOut bool) {
	start := time.Now()
	done := make(chan struct{})
	go func() {
		broadcaster.Shutdown()
		close(done)
	}()
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	select {
	case <-done:
	case <-deadline.C:
		timedOut = true
	}
	return float64(time.Since(start)) / float64(time.Millisecond), timedOut
}

func unixMs(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e6
}

// marker prints an @ line for the driver; the number is formatted like
// encoding/json formats it, so the marker and the result line agree.
func marker(name string, unixMs float64) {
	logLine("@" + name + " " + strconv.FormatFloat(unixMs, 'f', -1, 64))
}
