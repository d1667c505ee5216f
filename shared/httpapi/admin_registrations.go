package httpapi

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// registrationJSON is one row of an attendee list: everything the person
// gave, with where they stand.
type registrationJSON struct {
	ID           string      `json:"id"`
	Status       string      `json:"status"`
	Position     int         `json:"position,omitempty"` // on the waiting list
	Name         string      `json:"name"`
	Email        string      `json:"email"`
	Organisation string      `json:"organisation,omitempty"`
	Needs        string      `json:"needs,omitempty"`
	Locale       string      `json:"locale"`
	CreatedAt    string      `json:"createdAt"`
	Consent      consentJSON `json:"consent"`
}

// rosterEventJSON says which event a list belongs to and how full it is.
type rosterEventJSON struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	StartsAt  string `json:"startsAt"`
	Capacity  int    `json:"capacity"`
	Confirmed int    `json:"confirmed"`
	Waiting   int    `json:"waiting"`
}

// adminRegistrations answers an event's attendee list: JSON pages, or the
// whole list as CSV for ?format=csv or a client that prefers text/csv.
func (a *API) adminRegistrations(w http.ResponseWriter, r *http.Request) {
	asCSV, err := wantsCSV(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rq := event.RosterQuery{Statuses: statusParam(r), Format: "json"}
	if asCSV {
		rq.Format = "csv"
	} else if rq.Page, err = pageQuery(r); err != nil {
		a.fail(w, r, err)
		return
	}
	e, page, err := a.Admin.Roster.Export(r.Context(), r.PathValue("id"), rq, actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if asCSV {
		writeRosterCSV(w, e, page.Items)
		return
	}
	out := make([]registrationJSON, 0, len(page.Items))
	for _, reg := range page.Items {
		row := registrationJSON{
			ID: reg.ID, Status: string(reg.Status), Name: reg.Name, Email: reg.Email,
			Organisation: reg.Organisation, Needs: reg.Needs, Locale: reg.Locale,
			CreatedAt: rfc3339(reg.CreatedAt),
			Consent:   consentJSON{At: rfc3339(reg.ConsentAt), PolicyVersion: reg.ConsentVer},
		}
		if reg.Status == event.Waitlisted {
			row.Position = reg.Position
		}
		out = append(out, row)
	}
	writeJSON(w, http.StatusOK, struct {
		Event         rosterEventJSON    `json:"event"`
		Registrations []registrationJSON `json:"registrations"`
		Next          string             `json:"nextCursor,omitempty"`
	}{rosterEventJSON{
		ID: e.ID, Title: e.Title.In(i18n.Default), StartsAt: rfc3339(e.StartsAt),
		Capacity: e.Capacity, Confirmed: e.Confirmed, Waiting: e.Waiting,
	}, out, page.Next})
}

// statusParam reads ?status=, repeated or comma-separated.
func statusParam(r *http.Request) []string {
	var out []string
	for _, v := range r.URL.Query()["status"] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// wantsCSV: ?format=csv, or with no format named an Accept header that
// prefers text/csv to JSON.
func wantsCSV(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		var f apperr.Fields
		f.Add("format", validate.Invalid, "")
		return false, f.Err()
	}
	q := acceptQ(r)
	csvQ, jsonQ := q("text/csv"), max(q("application/json"), q("*/*"))
	return csvQ > 0 && csvQ > jsonQ, nil
}

// rosterHeader names the columns in the coordinators' language.
var rosterHeader = []string{
	"Status", "Wartelistenplatz", "Name", "E-Mail", "Organisation", "Bedarf",
	"Sprache", "Angemeldet am", "Einwilligung am", "Version der Datenschutzhinweise",
}

var rosterStatus = map[event.Status]string{
	event.Confirmed:  "bestätigt",
	event.Waitlisted: "Warteliste",
	event.Cancelled:  "abgemeldet",
}

// csvTime is how German spreadsheets read a date with time, in Berlin time.
const csvTime = "02.01.2006 15:04"

// writeRosterCSV writes the list so that it opens right in a German Excel:
// UTF-8 with a byte order mark, ';' between cells, CRLF line ends.
func writeRosterCSV(w http.ResponseWriter, e event.Event, regs []event.Registration) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	cw.Comma, cw.UseCRLF = ';', true
	write := func(cells ...string) {
		for i, c := range cells {
			cells[i] = csvCell(c)
		}
		_ = cw.Write(cells) // writing to memory cannot fail
	}
	write(rosterHeader...)
	for _, reg := range regs {
		pos := ""
		if reg.Status == event.Waitlisted {
			pos = strconv.Itoa(reg.Position)
		}
		write(rosterStatus[reg.Status], pos, reg.Name, reg.Email, reg.Organisation, reg.Needs, reg.Locale,
			reg.CreatedAt.In(i18n.Berlin).Format(csvTime), reg.ConsentAt.In(i18n.Berlin).Format(csvTime), reg.ConsentVer)
	}
	cw.Flush()
	name := "anmeldungen-" + e.StartsAt.In(i18n.Berlin).Format("2006-01-02") + "-" + asciiName(e.ID) + ".csv"
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing left to tell it
}

// csvCell keeps a spreadsheet from running a cell as a formula: one that
// starts with =, +, -, @, tab or CR gets a leading apostrophe (OWASP's
// advice), and the writer quotes it as needed. Line breaks become LF, which
// the writer turns into CRLF; a lone CR would otherwise be dropped.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// asciiName keeps letters, digits and '-' of s, for a file name every
// browser takes as it is.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return r
		}
		return -1
	}, s)
}
