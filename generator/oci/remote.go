package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Scheme is the prefix of an OCI reference on degen's command line, as in
// Flux's OCIRepository url.
const Scheme = "oci://"

// ParseReference reads oci://HOST[:PORT]/REPOSITORY[:TAG|@DIGEST].
func ParseReference(s string) (registry.Reference, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return registry.Reference{}, fmt.Errorf("%q is no OCI reference: write oci://REGISTRY/REPOSITORY:TAG", s)
	}
	ref, err := registry.ParseReference(rest)
	if err != nil {
		return registry.Reference{}, fmt.Errorf("%q is no OCI reference (%v): write oci://REGISTRY/REPOSITORY:TAG", s, errors.Unwrap(err))
	}
	return ref, nil
}

// Repository is a repository of a registry, reached with the credentials of
// the Docker configuration. A registry on a loopback address (localhost,
// 127.0.0.1, [::1]) is reached over plain HTTP, as Docker does; any other
// over HTTPS.
func Repository(ref registry.Reference) (*remote.Repository, error) {
	repo, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, err
	}
	repo.PlainHTTP = Loopback(ref.Registry)
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading the Docker configuration for the credentials of %s: %w", ref.Registry, err)
	}
	repo.Client = &auth.Client{
		Client:     &http.Client{Transport: retry.NewTransport(http.DefaultTransport)},
		Cache:      auth.NewCache(),
		Credential: credentials.Credential(store),
	}
	return repo, nil
}

// Loopback tells whether host (with or without its port) is a loopback
// name or address.
func Loopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Push uploads the artifact to ref's repository and tags it with ref's
// tag. It returns the manifest's descriptor.
func Push(ctx context.Context, ref registry.Reference, a *Artifact) (ocispec.Descriptor, error) {
	if ref.Reference == "" || strings.Contains(ref.Reference, ":") {
		return ocispec.Descriptor{}, fmt.Errorf("oci://%s/%s: name a tag to push to (oci://REGISTRY/REPOSITORY:TAG)", ref.Registry, ref.Repository)
	}
	repo, err := Repository(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	manifest, config, layer := a.Descriptors()
	for _, b := range []struct {
		desc ocispec.Descriptor
		data []byte
	}{{config, a.Config}, {layer, a.Layer}} {
		ok, err := repo.Exists(ctx, b.desc)
		if err == nil && !ok {
			err = repo.Push(ctx, b.desc, bytes.NewReader(b.data))
		}
		if err != nil {
			return ocispec.Descriptor{}, Explain(ref, err)
		}
	}
	if err := repo.PushReference(ctx, manifest, bytes.NewReader(a.Manifest), ref.Reference); err != nil {
		return ocispec.Descriptor{}, Explain(ref, err)
	}
	return manifest, nil
}

// Explain says what a registry's error means for ref, with what to do.
func Explain(ref registry.Reference, err error) error {
	where := Scheme + ref.Registry + "/" + ref.Repository
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%s: the registry refused the credentials (HTTP %d): log in with docker login %s, or check the Docker configuration's entry for it", where, resp.StatusCode, ref.Registry)
		case http.StatusNotFound:
			return fmt.Errorf("%s: not found in the registry (HTTP 404): check the repository and the tag", where)
		}
		return fmt.Errorf("%s: the registry answered HTTP %d: %v", where, resp.StatusCode, resp.Errors)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return fmt.Errorf("%s: the registry cannot be reached (%v): check the address and that it is running", where, op.Err)
	}
	return fmt.Errorf("%s: %w", where, err)
}
