package system

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// ChildSpec describes one child of the root supervisor.
type ChildSpec struct {
	// Name is the child's actor name, unique among the children.
	Name string
	// Props builds the child's actor; the producer runs again on restart.
	Props *actor.Props
	// StopTimeout is the child's stop budget: how long Stop waits for it.
	StopTimeout time.Duration
	// StartTimeout bounds how long Start waits for the child's Started
	// handler; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Restart is what happens when the child panics.
	Restart RestartPolicy
}

// DefaultStartTimeout is the start budget of a spec that sets none.
const DefaultStartTimeout = 30 * time.Second

// RestartPolicy decides whether a failed child is restarted.
// The zero value never restarts: the child is stopped and the supervisor
// reports the failure.
type RestartPolicy struct {
	// MaxRestarts is the number of restarts allowed within Within; more
	// failures than that stop the child and report it on Failed.
	MaxRestarts int
	Within      time.Duration
}

// Never is the policy of a child that must not restart.
var Never = RestartPolicy{}

// Restart returns a policy that allows max restarts within the window.
func Restart(max int, within time.Duration) RestartPolicy {
	return RestartPolicy{MaxRestarts: max, Within: within}
}
