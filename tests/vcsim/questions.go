// VM questions: a VM named by -question-vms asks, at each power-on, whether it was moved or copied
// (the question real hosts ask about a VM whose files changed place). The power-on task stays running,
// with runtime.question set, until AnswerVM (which vcsim lacks) answers it or the task is cancelled.
package main

import (
	"fmt"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Answer keys of the question; the default is "copied", as on real hosts.
const (
	answerCancel = "0"
	answerMoved  = "1"
	answerCopied = "2"
)

type pendingQuestion struct {
	id     string
	answer chan string
}

var (
	questionsMu sync.Mutex
	questions   = map[types.ManagedObjectReference]*pendingQuestion{}
	questionSeq int
)

func newQuestionInfo(id string) *types.VirtualMachineQuestionInfo {
	choice := func(key, label string) types.BaseElementDescription {
		return &types.ElementDescription{Description: types.Description{Label: label, Summary: label}, Key: key}
	}
	return &types.VirtualMachineQuestionInfo{
		Id: id,
		Text: "msg.uuid.altered:This virtual machine may have been moved or copied. " +
			"To keep or renew its identity (UUID, MAC addresses), say which one happened. " +
			"If you do not know, answer \"I _Copied It\".",
		Choice: types.ChoiceOption{
			OptionType: types.OptionType{ValueIsReadonly: types.NewBool(false)},
			ChoiceInfo: []types.BaseElementDescription{
				choice(answerCancel, "Cancel"),
				choice(answerMoved, "I _Moved It"),
				choice(answerCopied, "I _Copied It"),
			},
			DefaultIndex: 2,
		},
	}
}

func setQuestion(vm *simulator.VirtualMachine, q *types.VirtualMachineQuestionInfo) {
	var val interface{} // an untyped nil clears the property
	if q != nil {
		val = q
	}
	simulator.Map.WithLock(vm, func() {
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "runtime.question", Val: val},
			{Name: "summary.runtime.question", Val: val},
		})
	})
}

// askQuestion sets the question on the VM and blocks until it is answered or the task is cancelled.
func askQuestion(vm *simulator.VirtualMachine, cancel <-chan struct{}) types.BaseMethodFault {
	questionsMu.Lock()
	questionSeq++
	q := &pendingQuestion{id: fmt.Sprintf("_vmx%d", questionSeq), answer: make(chan string, 1)}
	questions[vm.Self] = q
	questionsMu.Unlock()

	setQuestion(vm, newQuestionInfo(q.id))

	select {
	case answer := <-q.answer:
		if answer == answerCancel {
			return &types.GenericVmConfigFault{Reason: "The power-on was cancelled by the answer to the question."}
		}
		return nil
	case <-cancel:
		questionsMu.Lock()
		if questions[vm.Self] == q {
			delete(questions, vm.Self)
		}
		questionsMu.Unlock()
		setQuestion(vm, nil)
		return &types.RequestCanceled{}
	}
}

func (rt *router) registerQuestions() {
	rt.handle("AnswerVM", func(c *call) bool {
		req := c.method.Body.(*types.AnswerVM)
		if _, ok := simulator.Map.Get(req.This).(*simulator.VirtualMachine); !ok {
			return false // ManagedObjectNotFound from the simulator
		}
		vm := simulator.Map.Get(req.This).(*simulator.VirtualMachine)
		questionsMu.Lock()
		q := questions[req.This]
		switch {
		case q == nil || q.id != req.QuestionId:
			questionsMu.Unlock()
			newFault(fmt.Sprintf("A specified parameter was not correct: questionId %q is not pending", req.QuestionId),
				&types.InvalidArgument{InvalidProperty: "questionId"}).write(c.w)
			return true
		case req.AnswerChoice != answerCancel && req.AnswerChoice != answerMoved && req.AnswerChoice != answerCopied:
			questionsMu.Unlock()
			newFault(fmt.Sprintf("A specified parameter was not correct: answerChoice %q", req.AnswerChoice),
				&types.InvalidArgument{InvalidProperty: "answerChoice"}).write(c.w)
			return true
		}
		delete(questions, req.This)
		questionsMu.Unlock()
		setQuestion(vm, nil)
		q.answer <- req.AnswerChoice
		writeResponse(c.w, "AnswerVMResponse", nil)
		return true
	})
}
