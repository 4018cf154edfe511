package main

import (
	"testing"

	"github.com/vmware/govmomi/vim25/types"
)

func TestCreationOrderIsTheObjectsNumber(t *testing.T) {
	for value, want := range map[string]int{"vm-57": 57, "vm-1000": 1000, "42": 42, "vm-x": 1 << 30} {
		ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: value}
		if got := creationOrder(ref); got != want {
			t.Errorf("creationOrder(%s) = %d, want %d", value, got, want)
		}
	}
}
