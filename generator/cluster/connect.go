// Package cluster compares an environment's overlay with the live objects
// of a Kubernetes cluster (degen diff --cluster). Every object of the
// overlay is applied server-side as a dry run (nothing is written), so the
// API server itself merges it with what others own: a field another manager
// set (an autoscaler's replicas, a controller's annotation) is not drift,
// a field degen's files set and someone changed by hand is. The cluster's
// objects that carry degen's labels in the environment's namespaces but
// that out/ no longer has are listed too.
//
// Credentials come from the kubeconfig (clientcmd's usual places) and are
// never printed; every request has a timeout and lists are paged.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/degen-dev/degen/generator/textesc"
)

// Options say which cluster to compare with and how.
type Options struct {
	// Kubeconfig is a kubeconfig file; empty means clientcmd's usual
	// places ($KUBECONFIG, then ~/.kube/config).
	Kubeconfig string
	// Context is the kubeconfig context; empty means its current one.
	Context string
	// FieldManager is the manager the dry-run applies as (DefaultFieldManager
	// when empty). With the manager that really applies out/ (Argo CD's,
	// Flux's), a field removed from out/ shows as drift too.
	FieldManager string
	// RequestTimeout bounds each request (DefaultRequestTimeout when zero).
	RequestTimeout time.Duration
}

// DefaultFieldManager is the field manager of the dry-run applies.
const DefaultFieldManager = "degen"

// DefaultRequestTimeout bounds one request to the API server.
const DefaultRequestTimeout = 30 * time.Second

// Client is a connection to one cluster, checked by Connect.
type Client struct {
	// Server is the API server's URL without any user information, and
	// Context the kubeconfig context: what messages name.
	Server, Context string
	// namespace is the context's namespace (default when it names none),
	// for namespaced objects of the overlay that name none.
	namespace    string
	fieldManager string
	dyn          dynamic.Interface
	mapper       meta.RESTMapper
	groups       []*restmapper.APIGroupResources
}

// Connect loads the kubeconfig, reaches the API server and reads what
// resources it serves. An unreachable server or refused credentials is an
// error naming the server and the context and saying what to do.
func Connect(ctx context.Context, opts Options) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context})
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %s", textesc.Line(err.Error()))
	}
	context := raw.CurrentContext
	if opts.Context != "" {
		context = opts.Context
	}
	if _, ok := raw.Contexts[context]; !ok && context != "" {
		return nil, fmt.Errorf("the kubeconfig has no context %q: kubectl config get-contexts lists those it has", textesc.Line(context))
	}
	rc, err := cc.ClientConfig()
	switch {
	case clientcmd.IsEmptyConfig(err):
		return nil, errors.New("no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config (kubectl config set-cluster …)")
	case err != nil:
		return nil, fmt.Errorf("the kubeconfig (context %q) is not usable: %s", textesc.Line(context), textesc.Line(err.Error()))
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	c := &Client{Server: serverName(rc.Host), Context: context, namespace: ns, fieldManager: opts.FieldManager}
	if c.fieldManager == "" {
		c.fieldManager = DefaultFieldManager
	}
	rc.Timeout = opts.RequestTimeout
	if rc.Timeout == 0 {
		rc.Timeout = DefaultRequestTimeout
	}
	rc.UserAgent = "degen"
	rc.QPS, rc.Burst = 50, 100
	// Deprecation warnings would interleave with the report.
	rc.WarningHandler = rest.NoWarnings{}
	dc, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return nil, c.connErr(err)
	}
	if _, err := dc.ServerVersionWithContext(ctx); err != nil {
		return nil, c.connErr(err)
	}
	c.groups, err = restmapper.GetAPIGroupResourcesWithContext(ctx, dc)
	if err != nil && (c.groups == nil || !discovery.IsGroupDiscoveryFailedError(err)) {
		// A group whose aggregated server is down is left out; no group
		// at all is an error.
		return nil, c.connErr(err)
	}
	c.mapper = restmapper.NewDiscoveryRESTMapper(c.groups)
	if c.dyn, err = dynamic.NewForConfig(rc); err != nil {
		return nil, c.connErr(err)
	}
	return c, nil
}

// serverName is the server URL without user information (a password in
// it is never printed).
func serverName(host string) string {
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return textesc.Line(host)
	}
	u.User = nil
	return textesc.Line(u.String())
}

// connErr is err of a request to the cluster as one line naming the server
// and the context and saying what to do.
func (c *Client) connErr(err error) error {
	where := fmt.Sprintf("the cluster at %s (context %s)", c.Server, textesc.Line(c.Context))
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s refused the kubeconfig's credentials (401 Unauthorized): log in again or renew them, or pick another --context", where)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s forbids it: %s; grant the read-only role of docs/REVIEW.md (get, list and dry-run patch in the environment's namespace)", where, textesc.Line(err.Error()))
	}
	return fmt.Errorf("cannot reach %s: %s; check that the cluster is up and that the kubeconfig's server is right (kubectl --context %s cluster-info)", where, textesc.Line(err.Error()), textesc.Line(c.Context))
}
