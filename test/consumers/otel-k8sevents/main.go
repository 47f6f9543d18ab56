// otel-k8sevents runs the OpenTelemetry Collector contrib k8seventsreceiver (unchanged, as a
// library) against a cluster and prints every log record it emits as one JSON line on stdout, so
// that tests can compare what a real consumer of core/v1 Events sees. Nothing here interprets
// Events: the receiver reads them through its own client-go informer.
//
// Usage: otel-k8sevents --kubeconfig FILE --namespace NS
// stdout: {"ready":"<receiver start time>"} once, then one {"resource":…,"attributes":…} per record.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/k8seventsreceiver"
)

// record is one log record as the receiver built it, flattened for tests.
type record struct {
	Resource       map[string]any `json:"resource"`
	Attributes     map[string]any `json:"attributes"`
	Timestamp      string         `json:"timestamp"`
	Body           string         `json:"body"`
	SeverityText   string         `json:"severityText"`
	SeverityNumber int32          `json:"severityNumber"`
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of an identity that may list and watch core/v1 events")
	namespace := flag.String("namespace", "", "namespace to watch (all when empty)")
	flag.Parse()
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "otel-k8sevents: --kubeconfig is required")
		os.Exit(2)
	}
	// The receiver's kubeConfig auth loads like kubectl: KUBECONFIG, then ~/.kube/config.
	if err := os.Setenv("KUBECONFIG", *kubeconfig); err != nil {
		fail(err)
	}
	if err := run(*namespace); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "otel-k8sevents: %v\n", err)
	os.Exit(1)
}

func run(namespace string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	factory := k8seventsreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*k8seventsreceiver.Config)
	cfg.AuthType = "kubeConfig"
	if namespace != "" {
		cfg.Namespaces = []string{namespace}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}

	out := json.NewEncoder(os.Stdout)
	logs, err := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				records := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < records.Len(); k++ {
					lr := records.At(k)
					if err := out.Encode(record{
						Resource:       rl.Resource().Attributes().AsRaw(),
						Attributes:     lr.Attributes().AsRaw(),
						Timestamp:      lr.Timestamp().AsTime().UTC().Format(time.RFC3339Nano),
						Body:           lr.Body().AsString(),
						SeverityText:   lr.SeverityText(),
						SeverityNumber: int32(lr.SeverityNumber()),
					}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	settings := receivertest.NewNopSettings()
	logger, err := zap.NewProduction(zap.ErrorOutput(zap.CombineWriteSyncers(os.Stderr)))
	if err != nil {
		return err
	}
	settings.Logger = logger
	// The receiver drops Events older than the moment it was created (to avoid a flood on
	// startup); tests publish after this line.
	created := time.Now().UTC()
	rcv, err := factory.CreateLogsReceiver(ctx, settings, cfg, logs)
	if err != nil {
		return fmt.Errorf("creating the receiver: %w", err)
	}
	if err := rcv.Start(ctx, componenttest.NewNopHost()); err != nil {
		return fmt.Errorf("starting the receiver: %w", err)
	}
	if err := out.Encode(map[string]string{"ready": created.Format(time.RFC3339Nano)}); err != nil {
		return err
	}
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return rcv.Shutdown(shutdown)
}
