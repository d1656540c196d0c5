// Package kubetest runs a real kube-apiserver with its etcd on loopback for
// tests: both are built once per machine by scripts/testservers.sh (from
// the Go module proxy, see testservers/kube), started by Start with fresh
// certificates and a token file, and stopped when the test ends (only the
// processes Start started). Without the servers (no network for the first
// build, -short) the test is skipped, unless DEGEN_TESTSERVERS_REQUIRED is
// set, as make test sets it: then it fails.
package kubetest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

// EnvRequired makes a test fail, rather than skip, when the servers
// cannot be built or started.
const EnvRequired = "DEGEN_TESTSERVERS_REQUIRED"

// The contexts of Server.Kubeconfig: AdminContext is in system:masters,
// ViewerContext the user Start is given, without any role until a test
// grants one.
const (
	AdminContext  = "admin"
	ViewerContext = "viewer"
)

// Server is a running kube-apiserver.
type Server struct {
	// URL is the API server's https URL on loopback.
	URL string
	// Kubeconfig is a kubeconfig file with AdminContext (current) and
	// ViewerContext.
	Kubeconfig string
	// Admin is a client configuration of the admin user.
	Admin *rest.Config
}

// Start builds (once per machine) and starts etcd and kube-apiserver, and
// stops them when t ends. viewer is the user name of ViewerContext: that of
// a service account (system:serviceaccount:NAMESPACE:NAME) is bound by a
// RoleBinding to that account.
func Start(t testing.TB, viewer string) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no kube-apiserver")
	}
	bin, err := binaries()
	if err != nil {
		unavailable(t, err)
	}
	dir := t.TempDir()
	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	etcdDone := start(t, dir, "etcd", filepath.Join(bin, "etcd"),
		"-listen", etcdURL, "-peer", fmt.Sprintf("http://127.0.0.1:%d", ports[1]), "-data-dir", filepath.Join(dir, "etcd-data"))
	ca, err := writeCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	admin, viewerToken := token(), token()
	tokens := fmt.Sprintf("%s,admin,admin-uid,\"system:masters\"\n%s,%s,viewer-uid\n", admin, viewerToken, viewer)
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: fmt.Sprintf("https://127.0.0.1:%d", ports[2])}
	apiDone := start(t, dir, "kube-apiserver", filepath.Join(bin, "kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", ports[2]),
		"--cert-dir="+dir,
		"--tls-cert-file="+filepath.Join(dir, "server.crt"), "--tls-private-key-file="+filepath.Join(dir, "server.key"),
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		// No controller manager runs: a ResourceQuota's usage would
		// never be counted, and admission would refuse what it covers.
		"--disable-admission-plugins=ResourceQuota,ServiceAccount",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		// The endpoint reconciler refuses a loopback address.
		"--endpoint-reconciler-type=none",
	)
	s.Admin = &rest.Config{Host: s.URL, BearerToken: admin, TLSClientConfig: rest.TLSClientConfig{CAData: ca}, Timeout: 30 * time.Second, WarningHandler: rest.NoWarnings{}}
	if err := waitReady(s.URL, admin, ca, etcdDone, apiDone); err != nil {
		t.Fatal(err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: s.URL, CertificateAuthorityData: ca}
	cfg.AuthInfos[AdminContext] = &clientcmdapi.AuthInfo{Token: admin}
	cfg.AuthInfos[ViewerContext] = &clientcmdapi.AuthInfo{Token: viewerToken}
	cfg.Contexts[AdminContext] = &clientcmdapi.Context{Cluster: "test", AuthInfo: AdminContext}
	cfg.Contexts[ViewerContext] = &clientcmdapi.Context{Cluster: "test", AuthInfo: ViewerContext}
	cfg.CurrentContext = AdminContext
	s.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, s.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	return s
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequired) != "" {
		t.Fatalf("kube-apiserver and etcd for the test: %v", err)
	}
	t.Skipf("no kube-apiserver (set %s to fail instead): %v", EnvRequired, err)
}

// binaries runs scripts/testservers.sh, which builds the servers once per
// machine, and returns their directory.
func binaries() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "testservers.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/testservers.sh: %v: %s", err, tail(stderr.String(), 20))
	}
	return strings.TrimSpace(string(out)), nil
}

// repoRoot is the directory of degen's go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(data, []byte("module github.com/degen-dev/degen\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("degen's go.mod not found above the working directory")
		}
		dir = parent
	}
}

// start runs a server whose output goes to dir/name.log, and stops it
// (SIGTERM, then SIGKILL after 10s) when t ends; the channel is closed
// when it exits.
func start(t testing.TB, dir, name, bin string, args ...string) <-chan struct{} {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		unavailable(t, fmt.Errorf("starting %s: %w", name, err))
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		log.Close()
		if t.Failed() {
			data, _ := os.ReadFile(log.Name())
			t.Logf("%s's log (last lines):\n%s", name, tail(string(data), 15))
		}
	})
	return done
}

// waitReady waits up to two minutes for /readyz, unless a server exits
// (its log is shown when the test ends).
func waitReady(url, tok string, ca []byte, etcd, api <-chan struct{}) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(2 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-etcd:
			return errors.New("etcd exited")
		case <-api:
			return errors.New("kube-apiserver exited")
		default:
		}
		req, _ := http.NewRequest("GET", url+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, tail(string(body), 5))
		} else {
			last = err.Error()
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver not ready after 2 minutes (%s)", last)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func token() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// freePorts are n loopback ports free when asked.
func freePorts(n int) ([]int, error) {
	var out []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// writeCerts writes a serving certificate for 127.0.0.1 signed by a fresh
// CA (server.crt, server.key) and the service-account signing key
// (sa.key) into dir, and returns the CA's certificate (PEM).
func writeCerts(dir string) ([]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "degen-test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	for name, block := range map[string]*pem.Block{
		"server.crt": {Type: "CERTIFICATE", Bytes: der},
		"server.key": ecKey(key),
		"sa.key":     ecKey(saKey),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}

func ecKey(k *ecdsa.PrivateKey) *pem.Block {
	der, _ := x509.MarshalECPrivateKey(k)
	return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
}

// Apply server-side applies every object of a YAML stream as manager
// (kubectl apply --server-side --force-conflicts), in order. A kind the
// server does not serve yet (a custom resource whose definition was just
// created) is retried for up to 30s.
func (s *Server) Apply(t testing.TB, data []byte, manager string) {
	t.Helper()
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(s.Admin)
	dc := discovery.NewDiscoveryClientForConfigOrDie(s.Admin)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cachedDiscovery{dc})
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		if m == nil {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		gvk := u.GroupVersionKind()
		var mapping *meta.RESTMapping
		for deadline := time.Now().Add(30 * time.Second); ; {
			mapping, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err == nil || !meta.IsNoMatchError(err) || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
			mapper.Reset()
		}
		if err != nil {
			t.Fatalf("%s %s: %v", gvk, u.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			ns := u.GetNamespace()
			if ns == "" {
				ns = "default"
			}
			ri = dyn.Resource(mapping.Resource).Namespace(ns)
		}
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		force := true
		if _, err := ri.Patch(ctx, u.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: manager, Force: &force}); err != nil {
			t.Fatalf("applying %s %s: %v", gvk.Kind, u.GetName(), err)
		}
	}
}

// cachedDiscovery is a discovery client that never caches, so that Reset
// sees a definition just established.
type cachedDiscovery struct{ discovery.DiscoveryInterface }

func (cachedDiscovery) Fresh() bool { return true }
func (cachedDiscovery) Invalidate() {}
