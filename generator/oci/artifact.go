// Package oci publishes an environment's manifests as an OCI artifact in
// the layout Flux's OCIRepository reads (and `flux push artifact` writes):
// one manifest whose config has the media type ConfigMediaType and whose
// single layer, of the media type ContentMediaType, is a gzipped tarball of
// the files. The tarball is deterministic: entries sorted, times, owners
// and modes fixed, so the same files give the same digest.
//
// Registries are reached with oras-go; credentials come from the Docker
// configuration (~/.docker/config.json or $DOCKER_CONFIG, with its
// credential helpers) and never appear in a message.
package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The media types of a Flux artifact.
const (
	// ContentMediaType is the media type of the artifact's one layer.
	ContentMediaType = "application/vnd.cncf.flux.content.v1.tar+gzip"
	// ConfigMediaType is the media type of the artifact's config.
	ConfigMediaType = "application/vnd.cncf.flux.config.v1+json"
)

// The OpenContainers annotations Flux reads from an artifact's manifest.
const (
	SourceAnnotation   = "org.opencontainers.image.source"
	RevisionAnnotation = "org.opencontainers.image.revision"
	CreatedAnnotation  = "org.opencontainers.image.created"
)

// Meta is what the manifest's annotations say of the artifact. Empty
// fields are left out; none is set by default, so that the digest depends
// on the files alone.
type Meta struct {
	// Source is where the files come from (a repository URL).
	Source string
	// Revision is the source's revision (a branch@sha1:commit).
	Revision string
	// Created is when the artifact was made (RFC 3339).
	Created string
}

func (m Meta) annotations() map[string]string {
	a := map[string]string{}
	for k, v := range map[string]string{SourceAnnotation: m.Source, RevisionAnnotation: m.Revision, CreatedAnnotation: m.Created} {
		if v != "" {
			a[k] = v
		}
	}
	if len(a) == 0 {
		return nil
	}
	return a
}

// Artifact is an OCI artifact in memory: its manifest and the two blobs
// the manifest names.
type Artifact struct {
	Manifest []byte
	Config   []byte
	Layer    []byte
}

// Digest is the digest of the artifact's manifest, which names it in a
// registry.
func (a *Artifact) Digest() digest.Digest { return digest.FromBytes(a.Manifest) }

// Descriptors are the descriptors of the manifest, the config and the
// layer.
func (a *Artifact) Descriptors() (manifest, config, layer ocispec.Descriptor) {
	return descriptor(ocispec.MediaTypeImageManifest, a.Manifest),
		descriptor(ConfigMediaType, a.Config),
		descriptor(ContentMediaType, a.Layer)
}

func descriptor(mediaType string, data []byte) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
}

// New packs files (slash-separated paths relative to the artifact's root)
// into an artifact.
func New(files map[string][]byte, meta Meta) (*Artifact, error) {
	layer, err := Tarball(files)
	if err != nil {
		return nil, err
	}
	a := &Artifact{Config: []byte("{}"), Layer: layer}
	_, config, layerDesc := a.Descriptors()
	m := ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      config,
		Layers:      []ocispec.Descriptor{layerDesc},
		Annotations: meta.annotations(),
	}
	a.Manifest, err = json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Tarball is the gzipped tarball of files: a directory entry before the
// files of each directory, entries in lexical order, every time the Unix
// epoch, owner root, files 0644 and directories 0755.
func Tarball(files map[string][]byte) ([]byte, error) {
	entries := map[string]bool{} // path → is a directory
	for p := range files {
		if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("artifact path %q is not a clean relative path", p)
		}
		entries[p] = false
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			entries[d] = true
		}
	}
	names := make([]string, 0, len(entries))
	for p := range entries {
		names = append(names, p)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	epoch := time.Unix(0, 0).UTC()
	for _, p := range names {
		h := &tar.Header{Name: p, ModTime: epoch, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(files[p])), Format: tar.FormatPAX}
		if entries[p] {
			h.Name, h.Mode, h.Typeflag, h.Size = p+"/", 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !entries[p] {
			if _, err := tw.Write(files[p]); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
