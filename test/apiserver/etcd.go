package main

import (
	"fmt"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// etcdStartTimeout bounds how long a single-member etcd may take to elect
// itself and serve (it is well under a second here).
const etcdStartTimeout = 30 * time.Second

// startEtcd runs a single-member etcd inside this process with its data in
// dir, on two free loopback ports (client and peer). The ports are chosen
// by binding :0 and releasing, so another process can take one in between:
// a failed start is retried with new ports.
func startEtcd(dir string) (*embed.Etcd, string, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		clientPort, err := freePort()
		if err != nil {
			return nil, "", err
		}
		peerPort, err := freePort()
		if err != nil {
			return nil, "", err
		}
		clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
		peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

		cfg := embed.NewConfig()
		cfg.Name = "kube-events"
		cfg.Dir = dir
		cfg.ListenClientUrls = []url.URL{clientURL}
		cfg.AdvertiseClientUrls = []url.URL{clientURL}
		cfg.ListenPeerUrls = []url.URL{peerURL}
		cfg.AdvertisePeerUrls = []url.URL{peerURL}
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
		// Test data only: skipping fsync makes writes cheap on slow disks.
		cfg.UnsafeNoFsync = true
		// A single member elects itself after one election timeout; the
		// default (tick 100 ms, election 1000 ms) costs ~1 s at every start.
		cfg.TickMs = 10
		cfg.ElectionMs = 100
		cfg.Logger = "zap"
		cfg.LogLevel = "error"
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())

		e, err := embed.StartEtcd(cfg)
		if err != nil {
			lastErr = err
			continue
		}
		select {
		case <-e.Server.ReadyNotify():
			return e, clientURL.String(), nil
		case err := <-e.Err():
			e.Close()
			lastErr = err
		case <-time.After(etcdStartTimeout):
			e.Server.Stop()
			e.Close()
			return nil, "", fmt.Errorf("etcd not ready after %s", etcdStartTimeout)
		}
	}
	return nil, "", fmt.Errorf("starting etcd: %w", lastErr)
}
