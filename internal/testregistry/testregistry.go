// Package testregistry runs a real OCI registry (the distribution
// registry, as a library, storing in memory) on a loopback address for
// tests. Only tests import it: the registry is not part of degen's binary.
package testregistry

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	"github.com/sirupsen/logrus"
)

// Registry is a running registry.
type Registry struct {
	// Host is its host:port on 127.0.0.1.
	Host string
	srv  *httptest.Server
}

// Start runs a registry until Stop or the end of the test.
func Start(t testing.TB) *Registry {
	t.Helper()
	logrus.SetOutput(io.Discard)
	config := &configuration.Configuration{}
	config.Log.AccessLog.Disabled = true
	config.Log.Level = "error"
	config.Storage = configuration.Storage{"inmemory": configuration.Parameters{}}
	app := handlers.NewApp(context.Background(), config)
	srv := httptest.NewServer(app)
	r := &Registry{Host: srv.Listener.Addr().String(), srv: srv}
	t.Cleanup(r.Stop)
	return r
}

// Stop stops the registry: it then refuses connections.
func (r *Registry) Stop() { r.srv.Close() }
