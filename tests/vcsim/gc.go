package main

import (
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
)

// registerGC adds POST /_sim/gc: collects the server's garbage and returns freed memory to the
// OS. A benchmark calls it (untimed) before each measured run, so that no client is measured
// while the server pays for the garbage the previous client's answer left: a 10,000-VM answer
// leaves tens of MB, and which run the collector lands in would otherwise decide the figures.
func (rt *router) registerGC() {
	rt.control.HandleFunc("/_sim/gc", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		runtime.GC()
		debug.FreeOSMemory()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(w, "heap %d bytes\n", m.HeapAlloc)
	})
}
