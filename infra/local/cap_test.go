package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestMailCap: 20 contact messages naming one stranger's address are all
// stored and all reach the coordinators, but the stranger gets at most the
// configured number of acknowledgements a day.
func TestMailCap(t *testing.T) {
	l := startLocal(t, nil)
	const victim = "fremde-person@example.org"
	for range 20 {
		l.submitContact(t, victim, "general")
	}
	l.Wait()
	capPerDay := l.Config.MailCapPerAddressPerDay
	toVictim, toInbox := 0, 0
	for _, m := range l.mails(t) {
		switch to := m.header.Get("To"); {
		case strings.Contains(to, victim):
			toVictim++
		case strings.Contains(to, l.Config.MainInbox()):
			toInbox++
		}
	}
	if toVictim != capPerDay || toInbox != 20 {
		t.Errorf("mails to the address %d, to the inbox %d; want %d and 20", toVictim, toInbox, capPerDay)
	}
	resp, body := l.request(t, "GET", "/admin/messages?limit=200", "", "", "Authorization", "Bearer "+l.DemoToken)
	if resp.StatusCode != http.StatusOK || strings.Count(body, `"email":"`+victim+`"`) != 20 {
		t.Errorf("stored messages: %d, %d naming the address; want 20", resp.StatusCode, strings.Count(body, victim))
	}
	if dropped := len(l.mailPartition(t, "dropped")); dropped != 20-capPerDay {
		t.Errorf("%d acknowledgements dropped, want %d", dropped, 20-capPerDay)
	}
}
