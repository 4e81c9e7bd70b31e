package memory_test

import (
	"testing"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/ports"
	"github.com/chatlens/chatlens/ports/porttest"
)

func TestConformance(t *testing.T) {
	porttest.Run(t, func(t *testing.T) porttest.OpenStore {
		var first *memory.Store
		return func(t *testing.T, opts ports.StoreOptions) ports.UnitOfWork {
			if first == nil {
				first = memory.New(opts)
				return first
			}
			return first.Peer(opts)
		}
	})
}
