package main

import (
	"context"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// demoPartners are the partners the county's press article names, with
// role addresses on example.org: never a real inbox or a person's name.
var demoPartners = []partner.Application{
	{Organisation: "Staatliches Schulamt Westthüringen", OrganisationType: "authority",
		Email: "schulamt@example.org", WorkingGroups: []string{"language"}},
	{Organisation: "Amt für Versorgung und Migration", OrganisationType: "authority",
		Email: "migration@example.org", WorkingGroups: []string{"counselling", "housing"}},
	{Organisation: "Jobcenter Wartburgkreis", OrganisationType: "authority",
		Email: "jobcenter@example.org", WorkingGroups: []string{"work"}},
	{Organisation: "Partnerschaft für Demokratie „Denk bunt im Wartburgkreis“", OrganisationType: "association",
		Email: "denkbunt@example.org", WorkingGroups: []string{"counselling"},
		RegionalNetworks: []string{"eisenach", "bad-salzungen"}},
}

// seedDemo loads the demo partners unless the table already has partners,
// so restarting against a persistent endpoint adds nothing twice.
func seedDemo(ctx context.Context, store *dynamo.Store, keys *secret.Keys, cfg *network.Config) error {
	existing, err := store.Approved(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	founded := time.Date(2024, 2, 27, 10, 0, 0, 0, time.UTC)
	for _, p := range demoPartners {
		p.ID = id.New(founded)
		p.Status = partner.Approved
		p.ContactName = "Koordination"
		p.Locale = "de"
		p.CreatedAt = founded
		p.Consent = partner.Consent{At: founded, PolicyVersion: cfg.Privacy.Version}
		p.DedupKey = partner.DedupKey(keys, p.Email, p.Organisation)
		if err := store.PutApproved(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
