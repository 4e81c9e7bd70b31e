package memory_test

import (
	"testing"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/ports"
	"github.com/chatlens/chatlens/ports/porttest"
)

func TestConformance(t *testing.T) {
	porttest.Run(t, func(t *testing.T, opts ports.StoreOptions) ports.UnitOfWork {
		return memory.New(opts)
	})
}
