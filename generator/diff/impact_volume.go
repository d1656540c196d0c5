package diff

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// claimTemplates: a StatefulSet's volumeClaimTemplates cannot change in
// place; the StatefulSet must be deleted (keeping its pods and claims) and
// created again, and existing claims are not resized by it.
func (x *impactCtx) claimTemplates(object string) {
	if x.old == nil || x.new == nil || len(x.changesUnder("spec.volumeClaimTemplates")) == 0 {
		return
	}
	x.add(Recreate, object, "volumeClaimTemplates changed, which Kubernetes refuses to update: delete the StatefulSet with --cascade=orphan before the sync (pods and claims stay); existing claims keep their size")
}

// claim: a PersistentVolumeClaim created, deleted (its data with it unless
// the volume is retained), resized, or changed in a field that only a new
// claim can have.
func (x *impactCtx) claim(object string) {
	switch {
	case x.old == nil:
		x.add(Volume, object, "added: a volume of %v is provisioned", at(x.new, "spec", "resources", "requests", string(corev1.ResourceStorage)))
		return
	case x.new == nil:
		x.add(Volume, object, "removed: its volume and data are deleted unless the volume's reclaim policy is Retain")
		return
	}
	for _, c := range x.o.Changes {
		switch c.Field {
		case "spec.resources.requests." + string(corev1.ResourceStorage):
			x.resize(object, c)
		case "metadata.labels", "metadata.annotations":
		default:
			if len(c.Field) > 5 && c.Field[:5] == "spec." {
				x.add(Recreate, object, "%s changed, which a bound claim cannot: delete and recreate the claim (its data is lost)", c.Field)
				return
			}
		}
	}
}

// resize says whether a claim's new size is a growth (expansion, when its
// StorageClass allows it) or a shrink (refused).
func (x *impactCtx) resize(object string, c Change) {
	o, err1 := resource.ParseQuantity(unquote(c.Old))
	n, err2 := resource.ParseQuantity(unquote(c.New))
	switch {
	case err1 != nil || err2 != nil || c.OldMissing || c.NewMissing:
		x.add(Volume, object, "size %s", arrow(c))
	case n.Cmp(o) > 0:
		x.add(Volume, object, "resized %s: the StorageClass must allow volume expansion", arrow(c))
	default:
		x.add(Recreate, object, "%s", fmt.Sprintf("shrunk %s, which Kubernetes refuses: recreate the claim (its data is lost)", arrow(c)))
	}
}
