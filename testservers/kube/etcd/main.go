// Command etcd is a single-member etcd for tests: it serves clients on the
// loopback URL given by -listen (plain HTTP) with its data in -data-dir,
// until it is interrupted or terminated.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	listen := flag.String("listen", "http://127.0.0.1:2379", "client URL (loopback)")
	peer := flag.String("peer", "http://127.0.0.1:2380", "peer URL (loopback)")
	dir := flag.String("data-dir", "", "data directory (required)")
	flag.Parse()
	if err := run(*listen, *peer, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		os.Exit(1)
	}
}

func run(listen, peer, dir string) error {
	if dir == "" {
		return fmt.Errorf("-data-dir is required")
	}
	lc, err := url.Parse(listen)
	if err != nil {
		return err
	}
	lp, err := url.Parse(peer)
	if err != nil {
		return err
	}
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.ListenClientUrls = []url.URL{*lc}
	cfg.AdvertiseClientUrls = []url.URL{*lc}
	cfg.ListenPeerUrls = []url.URL{*lp}
	cfg.AdvertisePeerUrls = []url.URL{*lp}
	cfg.InitialCluster = cfg.Name + "=" + lp.String()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		return fmt.Errorf("not ready after 60s")
	}
	fmt.Println("etcd: ready on", lc.String())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-sig:
	case err := <-e.Err():
		return err
	}
	return nil
}
