package main

import (
	"context"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
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

// seedDemo loads the demo partners and events unless the table already has
// some, so restarting against a persistent endpoint adds nothing twice.
func seedDemo(ctx context.Context, store *dynamo.Store, keys *secret.Keys, cfg *network.Config, now time.Time) error {
	if err := seedEvents(ctx, store, now); err != nil {
		return err
	}
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

// seedEvents adds an upcoming plenary meeting and two working-group
// sessions, one of them small, dated from now so the demo always has
// something open for sign-up.
func seedEvents(ctx context.Context, store *dynamo.Store, now time.Time) error {
	upcoming, err := store.Upcoming(ctx, now)
	if err != nil || len(upcoming) > 0 {
		return err
	}
	day := func(days, hour int) time.Time {
		d := now.In(i18n.Berlin).AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, i18n.Berlin).UTC()
	}
	events := []event.Event{{
		ID: id.New(now),
		Title: network.Text{
			"de": "Netzwerktreffen Integration (Plenum)",
			"en": "Integration network meeting (plenary)",
		},
		Description: network.Text{
			"de": "Treffen aller Partner: Berichte aus den Arbeitsgruppen, Zahlen, Daten, Fakten und neue Projekte.",
			"en": "Meeting of all partners: reports from the working groups, facts and figures, new projects.",
		},
		StartsAt: day(21, 14), EndsAt: day(21, 17),
		Location: event.Location{Name: "Landratsamt Wartburgkreis, großer Sitzungssaal", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity: 60, RegistrationDeadline: day(19, 12),
		Network: "wartburgkreis", Published: true,
	}, {
		ID: id.New(now),
		Title: network.Text{
			"de": "AG Sprache: Sprachkursangebote im Landkreis",
			"en": "Working group language: language courses in the district",
		},
		StartsAt: day(10, 10), EndsAt: day(10, 12),
		Location: event.Location{
			Name: "Landratsamt Wartburgkreis, Raum 210", Address: "Erzberger Allee 14, 36433 Bad Salzungen",
			OnlineURL: "https://meet.example.org/ag-sprache",
		},
		Capacity: 20, RegistrationDeadline: day(9, 12),
		WorkingGroup: "language", Network: "wartburgkreis", Published: true,
	}, {
		// Three seats: the fourth sign-up shows the waiting list.
		ID: id.New(now),
		Title: network.Text{
			"de": "AG Wohnen und Projekte: Werkstattgespräch",
			"en": "Working group housing and projects: workshop talk",
		},
		StartsAt: day(14, 16), EndsAt: day(14, 18),
		Location:             event.Location{Name: "Bürgerhaus Wutha-Farnroda", Address: "Eisenacher Straße 20, 99848 Wutha-Farnroda"},
		Capacity:             3,
		RegistrationDeadline: day(13, 12),
		WorkingGroup:         "housing", Network: "wutha-farnroda", Published: true,
	}}
	for _, e := range events {
		if err := store.PutEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
