package main

import (
	"context"
	"io/fs"
	"time"

	"github.com/opendray/opendray/actors/audit"
	"github.com/opendray/opendray/actors/system"
	"github.com/opendray/opendray/ui"
)

// subsystemSpecs returns, in start order, the children that need the
// database. The supervisor stops them in reverse order, so sessions stop
// first and the subsystems that record their events stop after them.
func (p *gatewayProcess) subsystemSpecs() []system.ChildSpec {
	return []system.ChildSpec{
		{
			Name:        "audit",
			Props:       audit.Props(audit.Options{Bus: p.bus, Writer: p.db, Logger: p.logger}),
			StopTimeout: audit.StopBudget,
			Restart:     system.Restart(5, time.Minute),
		},
	}
}

// startSubsystems starts every spec of subsystemSpecs in order.
func (p *gatewayProcess) startSubsystems(ctx context.Context) error {
	for _, spec := range p.subsystemSpecs() {
		if _, err := p.sup.Start(ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

// adminUI returns the embedded admin UI. A binary built without the UI
// carries a page at index.html that says how to build it.
func adminUI() fs.FS {
	assets, _ := ui.Assets()
	return assets
}
