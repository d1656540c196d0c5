package generator

// Step is a unit of a build's work, reported to Options.Progress as it is
// done.
type Step int

// The steps of a build.
const (
	// StepEnvironment is an environment evaluated, checked and handed to
	// the targets (the base and the environments from the cache are not
	// reported).
	StepEnvironment Step = iota
	// StepTarget is one target run on one environment.
	StepTarget
)

// report calls progress with step, when progress is set.
func report(progress func(Step), step Step) {
	if progress != nil {
		progress(step)
	}
}
