// Tasks that take time: vcsim finishes every task before the creating call returns. Ours stay
// running for a configured duration, report info.progress through Map.Update (so WaitForUpdatesEx
// sees it), may wait for a VM question to be answered, and can be cancelled with CancelTask.
package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// longTask is a running task of ours.
type longTask struct {
	task       *simulator.Task
	cancelable bool
	cancel     chan struct{} // closed by CancelTask
	done       chan struct{} // closed when the task has reached success or error
	once       sync.Once
}

var (
	longTasksMu sync.Mutex
	longTasks   = map[types.ManagedObjectReference]*longTask{}
)

// taskSpec describes a task to run in the background.
type taskSpec struct {
	entity     mo.Reference
	name       string // as the simulator names it, e.g. "powerOn"
	cancelable bool
	duration   time.Duration
	// before runs first and may block (e.g. until a question is answered); a fault ends the task.
	before func(cancel <-chan struct{}) types.BaseMethodFault
	// finish does the work, with the entity locked.
	finish func() (types.AnyType, types.BaseMethodFault)
	// onCancel undoes what before() did when the task is cancelled.
	onCancel func()
}

// runningTaskOn returns a running task of ours on the entity, if any.
func runningTaskOn(entity types.ManagedObjectReference) *types.ManagedObjectReference {
	longTasksMu.Lock()
	defer longTasksMu.Unlock()
	for ref, lt := range longTasks {
		if e := lt.task.Info.Entity; e != nil && *e == entity {
			ref := ref
			return &ref
		}
	}
	return nil
}

// startTask creates the task in the running state and returns its reference at once. A task on a
// VM that already has one of ours running fails with TaskInProgress, as on real hosts.
func startTask(spec taskSpec) types.ManagedObjectReference {
	if ref := spec.entity.Reference(); ref.Type != "VirtualMachine" {
		// only VMs serialize their tasks
	} else if other := runningTaskOn(ref); other != nil {
		spec.before = func(<-chan struct{}) types.BaseMethodFault {
			return &types.TaskInProgress{Task: *other}
		}
		spec.duration = 0
	}
	t := simulator.CreateTask(spec.entity, spec.name, nil)
	lt := &longTask{task: t, cancelable: spec.cancelable, cancel: make(chan struct{}), done: make(chan struct{})}
	longTasksMu.Lock()
	longTasks[t.Self] = lt
	longTasksMu.Unlock()

	simulator.Map.WithLock(t, func() {
		simulator.Map.Update(t, []types.PropertyChange{
			{Name: "info.cancelable", Val: spec.cancelable},
			{Name: "info.startTime", Val: time.Now()},
			{Name: "info.state", Val: types.TaskInfoStateRunning},
			{Name: "info.progress", Val: int32(0)},
		})
	})
	go lt.run(spec)
	return t.Self
}

// progressSteps is how many info.progress updates a task reports over its duration.
const progressSteps = 10

func (lt *longTask) run(spec taskSpec) {
	if spec.before != nil {
		if fault := spec.before(lt.cancel); fault != nil {
			if lt.isCancelled() && spec.onCancel != nil {
				spec.onCancel()
			}
			lt.complete(nil, fault)
			return
		}
	}
	if spec.duration > 0 {
		tick := spec.duration / progressSteps
		for i := 1; i < progressSteps; i++ {
			select {
			case <-lt.cancel:
				if spec.onCancel != nil {
					spec.onCancel()
				}
				lt.complete(nil, &types.RequestCanceled{})
				return
			case <-time.After(tick):
			}
			simulator.Map.WithLock(lt.task, func() {
				simulator.Map.Update(lt.task, []types.PropertyChange{
					{Name: "info.progress", Val: int32(i * 100 / progressSteps)},
				})
			})
		}
		select {
		case <-lt.cancel:
			if spec.onCancel != nil {
				spec.onCancel()
			}
			lt.complete(nil, &types.RequestCanceled{})
			return
		case <-time.After(tick):
		}
	}
	var res types.AnyType
	var fault types.BaseMethodFault
	simulator.Map.WithLock(spec.entity, func() { res, fault = spec.finish() })
	lt.complete(res, fault)
}

func (lt *longTask) isCancelled() bool {
	select {
	case <-lt.cancel:
		return true
	default:
		return false
	}
}

// complete moves the task to success or error, as simulator.Task.Run does for synchronous tasks.
func (lt *longTask) complete(res types.AnyType, fault types.BaseMethodFault) {
	lt.once.Do(func() {
		state := types.TaskInfoStateSuccess
		var lf interface{}
		if fault != nil {
			state = types.TaskInfoStateError
			lf = types.LocalizedMethodFault{Fault: fault, LocalizedMessage: faultMessage(fault)}
		}
		changes := []types.PropertyChange{
			{Name: "info.completeTime", Val: time.Now()},
			{Name: "info.state", Val: state},
			{Name: "info.result", Val: res},
			{Name: "info.error", Val: lf},
		}
		if state == types.TaskInfoStateSuccess {
			changes = append(changes, types.PropertyChange{Name: "info.progress", Val: int32(100)})
		}
		simulator.Map.WithLock(lt.task, func() { simulator.Map.Update(lt.task, changes) })
		longTasksMu.Lock()
		delete(longTasks, lt.task.Self)
		longTasksMu.Unlock()
		close(lt.done)
	})
}

// faultMessage is the localized message real servers put next to common task faults.
func faultMessage(fault types.BaseMethodFault) string {
	switch f := fault.(type) {
	case *types.RequestCanceled:
		return "The task was canceled by a user."
	case *types.InvalidPowerState:
		return "The attempted operation cannot be performed in the current state (" + string(f.ExistingState) + ")."
	case *types.GenericVmConfigFault:
		return f.Reason
	case *types.InvalidArgument:
		return "A specified parameter was not correct: " + f.InvalidProperty
	case *types.NotSupported:
		return "The operation is not supported on the object."
	case *types.TaskInProgress:
		return "Another task is already in progress."
	case *types.FileNotFound:
		return "File " + f.File + " was not found"
	}
	return fmt.Sprintf("%T", fault)
}

// registerCancelTask adds CancelTask, which vcsim lacks.
func (rt *router) registerCancelTask() {
	rt.handle("CancelTask", func(c *call) bool {
		ref := c.method.This
		longTasksMu.Lock()
		lt := longTasks[ref]
		longTasksMu.Unlock()
		if lt == nil {
			if _, ok := simulator.Map.Get(ref).(*simulator.Task); !ok {
				newFault(fmt.Sprintf("managed object not found: %s", ref), &types.ManagedObjectNotFound{Obj: ref}).write(c.w)
				return true
			}
			newFault("The operation is not allowed in the current state: the task has already completed.",
				&types.InvalidState{}).write(c.w)
			return true
		}
		if !lt.cancelable {
			newFault("The operation is not supported on the object: the task cannot be cancelled.",
				&types.NotSupported{}).write(c.w)
			return true
		}
		simulator.Map.WithLock(lt.task, func() {
			simulator.Map.Update(lt.task, []types.PropertyChange{{Name: "info.cancelled", Val: true}})
		})
		select {
		case <-lt.cancel:
		default:
			close(lt.cancel)
		}
		// Answer once the task has ended, so a caller sees the final state right away.
		select {
		case <-lt.done:
		case <-time.After(5 * time.Second):
		}
		writeResponse(c.w, "CancelTaskResponse", nil)
		return true
	})
}

// recentTasks keeps each entity's recentTask property, which vcsim does not maintain, so a client
// can find the queued or running tasks of a VM as it does on real servers. It keeps the tasks still
// queued or running and the latest completed ones.
type recentTasks struct{ self types.ManagedObjectReference }

const recentTasksKept = 10

func (r *recentTasks) Reference() types.ManagedObjectReference { return r.self }

func (r *recentTasks) PutObject(obj mo.Reference) {
	t, ok := obj.(*simulator.Task)
	if !ok || t.Info.Entity == nil {
		return
	}
	e, ok := simulator.Map.Get(*t.Info.Entity).(mo.Entity)
	if !ok {
		return
	}
	recent := append(append([]types.ManagedObjectReference(nil), e.Entity().RecentTask...), t.Self)
	for len(recent) > recentTasksKept {
		dropped := false
		for i, ref := range recent[:len(recent)-1] {
			if old, ok := simulator.Map.Get(ref).(*simulator.Task); !ok || taskDone(old) {
				recent = append(recent[:i], recent[i+1:]...)
				dropped = true
				break
			}
		}
		if !dropped {
			break
		}
	}
	simulator.Map.Update(e, []types.PropertyChange{{Name: "recentTask", Val: recent}})
}

func taskDone(t *simulator.Task) bool {
	return t.Info.State == types.TaskInfoStateSuccess || t.Info.State == types.TaskInfoStateError
}

func (*recentTasks) UpdateObject(mo.Reference, []types.PropertyChange) {}
func (*recentTasks) RemoveObject(types.ManagedObjectReference)         {}
