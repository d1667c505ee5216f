package main

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// scripts switches the tab's JavaScript on or off, for the pages it loads
// from then on.
func scripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	})
}

// formState is what a person sees of a form after sending it with a
// problem.
type formState struct {
	URL string
	// Summary is the error summary's lines; Targets the ids they link to.
	Summary, Targets []string
	// Messages are the messages beside the fields, Invalid the ids of the
	// controls marked invalid, Focused the class of the focused element.
	Messages, Invalid []string
	Focused           string
	// Typed is the value of the first field, as typed.
	Typed string
}

const readForm = `(() => {
  const all = (sel) => Array.from(document.querySelectorAll(sel));
  return {
    URL: location.pathname,
    Summary: all(".error-summary li").map((li) => li.textContent.trim()),
    Targets: all(".error-summary a").map((a) => a.getAttribute("href").slice(1)),
    Messages: all(".error-message").map((p) => p.textContent.trim()),
    Invalid: all("[aria-invalid=true]").map((el) => el.id),
    Focused: document.activeElement ? document.activeElement.className : "",
    Typed: document.querySelector("form [data-field] input, form [data-field] textarea").value,
  };
})()`

// TestFormsInBrowser sends each hosted form as a person does, once with
// JavaScript off and once with it on: first with only one field filled in,
// which brings the problems up (the same ones either way, each linked from
// the summary and tied to its field, what was typed kept), then complete,
// which lands on the thank-you page and sends the mail.
func TestFormsInBrowser(t *testing.T) {
	l := startLocal(t, func(o *options) { o.rateLimit = 0 })
	events, err := l.Events.Upcoming(context.Background())
	if err != nil || len(events) == 0 {
		t.Fatalf("demo events: %v %v", events, err)
	}
	roomiest := slices.MaxFunc(events, func(a, b event.Event) int { return a.Capacity - b.Capacity })

	type step = chromedp.Action[chromedp.Void]
	forms := []struct {
		name, path, locale, first, typed string
		// rest completes the form for an address.
		rest   func(email string) []step
		thanks string
	}{
		{
			name: "partner", path: "/forms/partner", locale: "de", first: "#f-organisation", typed: "Beispielverein e. V.",
			rest: func(email string) []step {
				return []step{
					chromedp.Click(chromedp.CSS(`input[name=organisationType][value=association]`)),
					chromedp.SendKeys(chromedp.CSS("#f-contactName"), "Erika Beispiel"),
					chromedp.SendKeys(chromedp.CSS("#f-email"), email),
					chromedp.Click(chromedp.CSS(`input[name=workingGroups][value=language]`)),
					chromedp.Click(chromedp.CSS("#f-consent")),
				}
			},
			thanks: "page.thanks.partner-application.title",
		},
		{
			name: "contact", path: "/forms/contact", locale: "fa", first: "#f-name", typed: "Frage Steller",
			rest: func(email string) []step {
				return []step{
					chromedp.SendKeys(chromedp.CSS("#f-email"), email),
					chromedp.Click(chromedp.CSS(`input[name=topic][value=general]`)),
					chromedp.SendKeys(chromedp.CSS("#f-message"), "Wann beginnt der nächste Kurs?"),
					chromedp.Click(chromedp.CSS("#f-consent")),
				}
			},
			thanks: "page.thanks.contact-received.title",
		},
		{
			name: "sign-up", path: "/forms/events/" + roomiest.ID, locale: "ar", first: "#f-name", typed: "Erika Beispiel",
			rest: func(email string) []step {
				return []step{
					chromedp.SendKeys(chromedp.CSS("#f-email"), email),
					chromedp.Click(chromedp.CSS("#f-consent")),
				}
			},
			thanks: "page.thanks.event-received.title",
		},
	}
	for _, f := range forms {
		var seen []formState
		for _, js := range []bool{false, true} {
			name := f.name + map[bool]string{false: " without JavaScript", true: " with JavaScript"}[js]
			t.Run(name, func(t *testing.T) {
				tab := testenv.NewTab(t)
				tab.Do(scripts(js))
				t.Cleanup(func() { _ = chromedp.Do(tab.Context(), scripts(true)) })
				if status := tab.Open(l.url + f.path + "?lang=" + f.locale); status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				tab.Do(chromedp.SendKeys(chromedp.CSS(f.first), f.typed))
				if js {
					// The script answers in place: no new page, the
					// summary appears and takes the focus.
					tab.Do(chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
				} else if resp := tab.Follow(chromedp.Click(chromedp.CSS("button[type=submit]"))); resp.Status != http.StatusUnprocessableEntity {
					t.Fatalf("a form with problems: status %d, want 422", resp.Status)
				}
				st, err := chromedp.Run(tab.Context(), chromedp.Evaluate[formState](readForm))
				if err != nil {
					t.Fatal(err)
				}
				if js && st.URL != f.path {
					t.Errorf("the script left the page for %s", st.URL)
				}
				if js && st.Focused != "error-summary" {
					t.Errorf("the focus is on %q, want the error summary", st.Focused)
				}
				if st.Typed != f.typed {
					t.Errorf("the first field holds %q, want %q as typed", st.Typed, f.typed)
				}
				if len(st.Summary) == 0 || len(st.Targets) != len(st.Summary) || len(st.Messages) != len(st.Summary) {
					t.Errorf("summary %q linking to %q, messages %q: want one link and one message per problem", st.Summary, st.Targets, st.Messages)
				}
				for _, id := range st.Targets {
					if !slices.Contains(st.Invalid, id) {
						t.Errorf("the summary links to %s, which is not marked invalid (%q)", id, st.Invalid)
					}
				}
				// axe is a script: it runs once the page has loaded as it
				// was, which switching scripts back on leaves alone.
				tab.Do(scripts(true))
				for _, v := range tab.Axe() {
					t.Errorf("axe, with the problems shown: %v", v)
				}
				seen = append(seen, st)
				if len(seen) == 2 && !slices.Equal(seen[0].Summary, seen[1].Summary) {
					t.Errorf("the script shows %q, the page without it %q", seen[1].Summary, seen[0].Summary)
				}

				before := len(l.mails(t))
				addr := strings.ReplaceAll(name, " ", "-") + "@example.org"
				tab.Do(f.rest(addr)...)
				if resp := tab.Follow(chromedp.Click(chromedp.CSS("button[type=submit]"))); resp.Status != http.StatusOK {
					t.Fatalf("a complete form: status %d at %s", resp.Status, resp.URL)
				}
				if got, want := tab.Text("h1"), i18n.T(f.locale, f.thanks); got != want {
					t.Errorf("the page after sending says %q, want %q", got, want)
				}
				l.Wait()
				var to []string
				for _, m := range l.mails(t)[before:] {
					to = append(to, m.header.Get("To"))
				}
				if !slices.Contains(to, "<"+addr+">") {
					t.Errorf("mails to %q, want one to %s", to, addr)
				}
			})
		}
	}
}

// embedPage is a page of the county's website with the contact form pasted
// in as the README shows it, the forms' script included.
var embedPage = template.Must(template.New("embed").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Kontakt</title></head><body><main><h1>Kontakt</h1>
<form method="post" action="{{.API}}/contact" data-netzwerk data-thanks="{{.API}}/thanks/contact-received" data-reference
  data-errors-title="Bitte prüfen Sie Ihre Angaben" data-error-prefix="Fehler:" data-failed="Das Senden hat nicht geklappt.">
  <input type="hidden" name="locale" value="de">
  <div data-field="name" data-label="Name"><label for="nw-name">Name</label> <input id="nw-name" name="name" autocomplete="name"></div>
  <div data-field="email" data-label="E-Mail-Adresse"><label for="nw-email">E-Mail-Adresse</label> <input id="nw-email" name="email" type="email" autocomplete="email"></div>
  <div data-field="topic" data-label="Thema"><label for="nw-topic">Thema</label>
    <select id="nw-topic" name="topic"><option value="general">Allgemeine Fragen</option></select></div>
  <div data-field="message" data-label="Nachricht"><label for="nw-message">Nachricht</label> <textarea id="nw-message" name="message"></textarea></div>
  <div data-field="consent" data-label="Einwilligung"><input type="checkbox" id="nw-consent" name="consent" value="on">
    <label for="nw-consent">Ich bin einverstanden, dass meine Angaben gespeichert und für dieses Anliegen verwendet werden.</label></div>
  <button type="submit">Nachricht senden</button>
</form>
<script src="{{.API}}/forms/form.js" defer></script>
</main></body></html>
`))

// TestEmbeddedForm: a form pasted into the county's website, on another
// origin, with the forms' script: the problems appear in place on the
// county's page (the API allows that origin to read its answers), and a
// complete form lands on the thank-you page with the reference.
func TestEmbeddedForm(t *testing.T) {
	countySite := httptest.NewUnstartedServer(nil)
	origin := "http://" + countySite.Listener.Addr().String()
	l := startLocal(t, func(o *options) { o.rateLimit = 0; o.allowOrigins = []string{origin} })
	countySite.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = embedPage.Execute(w, map[string]string{"API": l.url})
	})
	countySite.Start()
	t.Cleanup(countySite.Close)

	tab := testenv.NewTab(t)
	tab.Open(origin + "/kontakt")
	tab.Do(chromedp.SendKeys(chromedp.CSS("#nw-name"), "Frage Steller"),
		chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
	st, err := chromedp.Run(tab.Context(), chromedp.Evaluate[formState](readForm))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"E-Mail-Adresse: " + i18n.T("de", "error.required"), "Nachricht: " + i18n.T("de", "error.required"),
		"Einwilligung: " + i18n.T("de", "error.must_accept")}
	if st.URL != "/kontakt" || !slices.Equal(st.Summary, want) || st.Typed != "Frage Steller" {
		t.Errorf("on the county's page: %+v, want the summary %q", st, want)
	}
	tab.Do(chromedp.SendKeys(chromedp.CSS("#nw-email"), "eingebettet@example.org"),
		chromedp.SendKeys(chromedp.CSS("#nw-message"), "Gibt es Kurse am Abend?"), chromedp.Click(chromedp.CSS("#nw-consent")))
	if resp := tab.Follow(chromedp.Click(chromedp.CSS("button"))); resp.Status != http.StatusOK {
		t.Fatalf("after sending: status %d at %s", resp.Status, resp.URL)
	}
	if got := tab.Text("h1"); got != i18n.T("de", "page.thanks.contact-received.title") {
		t.Errorf("the page after sending says %q", got)
	}
	if ref := tab.Text("strong bdi"); !regexp.MustCompile(`^K-[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(ref) {
		t.Errorf("the thank-you page shows the reference %q", ref)
	}
}

// TestFormByKeyboard uses the contact form with the keyboard alone: Tab
// goes through the language switcher and then every field in order (a
// choice group is one stop), Enter on the button sends it, the summary
// takes the focus, and Enter on its first line leads to that field.
func TestFormByKeyboard(t *testing.T) {
	l := startLocal(t, func(o *options) { o.rateLimit = 0 })
	tab := testenv.NewTab(t)
	tab.Open(l.url + "/forms/contact?lang=de")
	focused := func() string {
		id, err := chromedp.Run(tab.Context(), chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	var stops []string
	for range 40 {
		tab.Do(chromedp.KeyEvent(kb.Tab))
		stop := focused()
		if strings.HasPrefix(stop, "f-") || stop == "BUTTON" {
			stops = append(stops, stop)
		}
		if stop == "BUTTON" {
			break
		}
	}
	want := []string{"f-name", "f-email", "f-phone", "f-topic", "f-network", "f-message", "f-consent", "BUTTON"}
	if !slices.Equal(stops, want) {
		t.Fatalf("Tab stops %q, want %q", stops, want)
	}
	tab.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
	if got, err := chromedp.Run(tab.Context(), chromedp.Evaluate[string](`document.activeElement.className`)); err != nil || got != "error-summary" {
		t.Fatalf("after sending, the focus is on %q (%v), want the summary", got, err)
	}
	tab.Do(chromedp.KeyEvent(kb.Tab))
	if got := focused(); got != "" && !strings.HasPrefix(got, "A") {
		t.Fatalf("Tab from the summary goes to %q, want its first link", got)
	}
	tab.Do(chromedp.KeyEvent(kb.Enter))
	// Bounded by the tab's own deadline, not a few seconds of wall time:
	// on two busy cores the focus can take longer to move, and a short
	// timeout failed here once under load.
	if _, err := chromedp.Run(tab.Context(), chromedp.Poll[bool](`document.activeElement.id === "f-name"`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Errorf("the summary's first line does not lead to f-name (focus on %q): %v", focused(), err)
	}
}
