package kubernetes

import (
	"encoding/json"
	"errors"
	"path"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	psapolicy "k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/chartlock"
	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
)

// components renders the environment's Helm charts with the Helm SDK (no
// helm binary) into plain objects, so Argo CD and Flux never run Helm. The
// release is named after the component and installed into the
// environment's namespace.
func (b *builder) components() error {
	env := b.env
	if len(env.Components) == 0 {
		return nil
	}
	psa, err := b.podChecker()
	if err != nil {
		return err
	}
	for _, name := range model.SortedKeys(env.Components) {
		c := env.Components[name]
		sel := model.P("components", name, "chart")
		var chrt *chart.Chart
		if chartlock.Remote(c.Chart) {
			if chrt, err = remoteChart(env.Root, c); err != nil {
				return b.errorAt(sel, "component %q: %v", name, err)
			}
		} else if chrt, err = loadChart(env.Root, c.Chart); err != nil {
			const limits = "a chart is a directory or .tgz under the model root, whose links stay inside the chart, of at most 10 MiB (decompressed), 4 MiB a file"
			if re := (*repofs.Error)(nil); errors.As(err, &re) && re.Path == c.Chart {
				return b.errorAt(sel, "component %q: chart %v (%s)", name, err, limits)
			}
			return b.errorAt(sel, "component %q: chart %s: %v (%s)", name, c.Chart, err, limits)
		}
		if err := b.render(name, c, chrt, sel, psa); err != nil {
			return err
		}
	}
	return nil
}

// render renders the component's chart and adds its objects.
func (b *builder) render(name string, c model.Component, chrt *chart.Chart, sel string, psa psapolicy.Evaluator) error {
	env := b.env
	vals := map[string]any{}
	for k, v := range c.Values {
		vals[k] = v
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return b.errorAt(sel, "component %q: chart dependencies: %v", name, err)
	}
	rv, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{Name: name, Namespace: env.Namespace, Revision: 1, IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		return b.errorAt(model.P("components", name, "values"), "component %q: values do not fit the chart: %v", name, err)
	}
	rendered, err := engine.Render(chrt, rv)
	if err != nil {
		return b.errorAt(sel, "component %q: rendering chart %s: %v", name, c.Chart, err)
	}
	return b.addRendered(name, c, rendered, sel, psa)
}

// addRendered parses the rendered templates in file order, skipping notes,
// empty documents and hooks (which only Helm itself would run).
func (b *builder) addRendered(name string, c model.Component, rendered map[string]string, sel string, psa psapolicy.Evaluator) error {
	files := make([]string, 0, len(rendered))
	for f := range rendered {
		if strings.HasSuffix(f, "NOTES.txt") || strings.HasPrefix(path.Base(f), "_") {
			continue
		}
		files = append(files, f)
	}
	sort.Strings(files)
	count := 0
	for _, f := range files {
		docs := releaseutil.SplitManifests(rendered[f])
		keys := make([]string, 0, len(docs))
		for k := range docs {
			keys = append(keys, k)
		}
		// SplitManifests names documents manifest-<n>; keep their order.
		sort.Slice(keys, func(i, j int) bool { return docIndex(keys[i]) < docIndex(keys[j]) })
		for _, k := range keys {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(docs[k]), &obj); err != nil {
				return b.errorAt(sel, "component %q: %s is not YAML: %v", name, f, err)
			}
			if len(obj) == 0 {
				continue
			}
			if count++; count > maxRenderedObjects {
				return b.errorAt(sel, "component %q: the chart renders more than %d objects, the most degen writes of one component: render fewer", name, maxRenderedObjects)
			}
			o := object{concern: c.Group, obj: obj, from: sel}
			if o.apiVersion() == "" || o.kind() == "" || o.name() == "" {
				return b.errorAt(sel, "component %q: %s renders an object without apiVersion, kind or metadata.name", name, f)
			}
			if data, err := json.Marshal(obj); err != nil || len(data) > maxRenderedObject {
				return b.errorAt(sel, "component %q: %s renders %s %s of more than %d bytes (JSON), which the API server refuses: render a smaller object (a ConfigMap or Secret holds at most 1 MiB)", name, f, o.kind(), o.name(), maxRenderedObject)
			}
			md := obj["metadata"].(map[string]any)
			if ann, ok := md["annotations"].(map[string]any); ok && ann["helm.sh/hook"] != nil {
				b.warn(name, model.P("components", name, "chart"), "helm-hook-dropped", "hook "+o.kind()+"/"+o.name()+" of "+f+" is left out: only Helm runs hooks")
				continue
			}
			// The overlay sets the namespace, as for every other object.
			delete(md, "namespace")
			prune(obj)
			if err := b.checkComponentPodSecurity(psa, name, sel, f, o); err != nil {
				return err
			}
			b.objs = append(b.objs, o)
		}
	}
	return nil
}

func docIndex(k string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(k, "manifest-"))
	return n
}
