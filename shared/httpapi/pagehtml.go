package httpapi

import (
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/render"
)

// The pages, written through render: whatever a person typed or a
// configuration holds goes through Text, URL or URLQuery, the contexts
// html/template chose for the same places (testdata/golden/pages holds
// the pages to the bytes the templates wrote). Line breaks between tags
// are kept where the templates had them: each body is what stands between
// the layout's top and bottom, which page writes around it.

// pageTop is the start of every page, up to and including the language
// switcher.
func pageTop(h *render.HTML, d pageData) {
	h.Raw(`<!DOCTYPE html>` + "\n" + `<html lang="`)
	h.Text(d.Locale)
	h.Raw(`" dir="`)
	h.Text(i18n.Dir(d.Locale))
	h.Raw(`">` + "\n" + `<head>` + "\n" + `<meta charset="utf-8">` + "\n" +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n" +
		`<meta name="robots" content="noindex">` + "\n" + `<title>`)
	h.Text(d.Title)
	h.Raw(` – `)
	h.Text(d.Network.Name.In(d.Locale))
	h.Raw(`</title>` + "\n" + `<style>` + pageStyle + `</style>` + "\n" + `</head>` + "\n" + `<body>` + "\n" + `<main>` + "\n" + `<p class="network">`)
	h.Text(d.Network.Name.In(d.Locale))
	h.Raw(`</p>` + "\n")
	if len(d.Languages) > 0 {
		h.Raw(`<nav class="languages" aria-label="`)
		h.Text(i18n.T(d.Locale, "page.languages"))
		h.Raw(`"><ul>` + "\n")
		for _, l := range d.Languages {
			if l.Current {
				h.Raw(`<li><span aria-current="true" lang="`)
				h.Text(l.Locale)
			} else {
				h.Raw(`<li><a href="`)
				h.URL(l.Href)
				h.Raw(`" lang="`)
				h.Text(l.Locale)
				h.Raw(`" hreflang="`)
				h.Text(l.Locale)
			}
			h.Raw(`" dir="`)
			h.Text(i18n.Dir(l.Locale))
			h.Raw(`">`)
			h.Text(l.Name)
			if l.Current {
				h.Raw(`</span></li>` + "\n")
			} else {
				h.Raw(`</a></li>` + "\n")
			}
		}
		h.Raw(`</ul></nav>`)
	}
	h.Raw("\n")
}

// pageBottom is the end of every page: a form's script, the footer with
// the network's phone, inbox and privacy policy.
func pageBottom(h *render.HTML, d pageData) {
	h.Raw("\n")
	if d.Form != nil {
		h.Raw(`<script>` + render.Markup(formScript) + `</script>`)
	}
	h.Raw("\n" + `<footer>` + "\n" + `<p>`)
	if d.Network.Phone != "" {
		h.Text(i18n.T(d.Locale, "page.contact", i18n.Isolate(d.Locale, d.Network.Phone), i18n.Isolate(d.Locale, d.Network.MainInbox())))
	}
	h.Raw(`</p>` + "\n" + `<p><a href="`)
	h.URL(d.Network.Privacy.URL)
	h.Raw(`">`)
	h.Text(i18n.T(d.Locale, "page.privacy"))
	h.Raw(`</a></p>` + "\n" + `</footer>` + "\n" + `</main>` + "\n" + `</body>` + "\n" + `</html>` + "\n")
}

// heading writes the page's h1.
func heading(h *render.HTML, title string) {
	h.Raw(`<h1>`)
	h.Text(title)
	h.Raw(`</h1>` + "\n")
}

// problemBody is the page of an error: each field's problem, or what went
// wrong.
func problemBody(h *render.HTML, d pageData) {
	h.Raw("\n")
	heading(h, d.Title)
	if len(d.Problem.Errors) > 0 {
		h.Raw(`<div class="problems" role="alert">` + "\n" + `<ul>` + "\n")
		for _, e := range d.Problem.Errors {
			h.Raw(`<li><strong>`)
			h.Text(fieldLabel(d.Locale, e.Field))
			h.Raw(`:</strong> `)
			h.Text(e.Message)
			h.Raw(`</li>` + "\n")
		}
		h.Raw(`</ul>` + "\n" + `</div>` + "\n" + `<p>`)
		h.Text(i18n.T(d.Locale, "page.problems.back"))
		h.Raw(`</p>` + "\n")
	} else {
		h.Raw(`<p role="alert">`)
		h.Text(d.Problem.Detail)
		h.Raw(`</p>` + "\n")
	}
}

// thanksBody is a thank-you page, with the contact form's reference and a
// way back to the network's website.
func thanksBody(h *render.HTML, d pageData) {
	heading(h, d.Title)
	h.Raw(`<p>`)
	h.Text(d.Text)
	h.Raw(`</p>` + "\n")
	if d.Reference != "" {
		h.Raw(`<p>`)
		h.Text(i18n.T(d.Locale, "page.thanks.reference"))
		h.Raw(` <strong><bdi>`)
		h.Text(d.Reference)
		h.Raw(`</bdi></strong></p>`)
	}
	h.Raw("\n")
	if d.Network.WebsiteURL != "" {
		h.Raw(`<p><a href="`)
		h.URL(d.Network.WebsiteURL)
		h.Raw(`">`)
		h.Text(i18n.T(d.Locale, "page.thanks.back"))
		h.Raw(`</a></p>`)
	}
}

// confirmBody is the page a mail link opens: a button that posts the
// link's token, or what was done already.
func confirmBody(h *render.HTML, d pageData) {
	heading(h, d.Title)
	if d.Done != "" {
		h.Raw("\n<p>")
		h.Text(d.Done)
		h.Raw("</p>\n")
		return
	}
	h.Raw("\n<p>")
	h.Text(d.Text)
	h.Raw(`</p>` + "\n" + `<form method="post" action="`)
	h.URL(d.Action)
	h.Raw(`?locale=`)
	h.URLQuery(d.Locale)
	h.Raw(`">` + "\n" + `<input type="hidden" name="token" value="`)
	h.Text(d.Token)
	h.Raw(`">` + "\n" + `<input type="hidden" name="locale" value="`)
	h.Text(d.Locale)
	h.Raw(`">` + "\n" + `<button type="submit">`)
	h.Text(d.Button)
	h.Raw(`</button>` + "\n" + `</form>` + "\n")
}

// eventsBody lists the upcoming events, each linking to its form.
func eventsBody(h *render.HTML, d pageData) {
	heading(h, d.Title)
	if len(d.Events) > 0 {
		h.Raw(`<ul class="events">` + "\n")
		for _, e := range d.Events {
			h.Raw(`<li>` + "\n" + `<h2><a href="`)
			h.URL(e.Link)
			h.Raw(`?lang=`)
			h.URLQuery(d.Locale)
			h.Raw(`"><bdi>`)
			h.Text(e.Title)
			h.Raw(`</bdi></a></h2>` + "\n" + `<p>`)
			h.Text(e.When)
			if e.Place != "" {
				h.Raw(` · <bdi>`)
				h.Text(e.Place)
				h.Raw(`</bdi>`)
			}
			h.Raw(`</p>` + "\n" + `<p>`)
			h.Text(e.Seats)
			h.Raw(`</p>` + "\n" + `</li>` + "\n")
		}
		h.Raw(`</ul>` + "\n")
	} else {
		h.Raw(`<p>`)
		h.Text(i18n.T(d.Locale, "form.events.none"))
		h.Raw(`</p>`)
	}
	h.Raw("\n" + `<p><a href="`)
	h.URL(d.Feed)
	h.Raw(`">`)
	h.Text(i18n.T(d.Locale, "form.events.feed"))
	h.Raw(`</a></p>`)
}

// formBody is a hosted form: an event's facts first on its sign-up form,
// then the error summary, the fields and the button; a closed event says
// so instead of the form.
func formBody(h *render.HTML, d pageData) {
	loc := d.Locale
	if e := d.Event; e != nil {
		h.Raw("\n<h1><bdi>")
		h.Text(e.Title)
		h.Raw(`</bdi></h1>` + "\n" + `<dl class="facts">` + "\n" + `<dt>`)
		h.Text(i18n.T(loc, "form.event.when"))
		h.Raw(`</dt>` + "\n" + `<dd>`)
		h.Text(e.When)
		h.Raw(`</dd>` + "\n")
		if e.Place != "" || e.Address != "" || e.Online != "" {
			h.Raw(`<dt>`)
			h.Text(i18n.T(loc, "form.event.where"))
			h.Raw(`</dt>` + "\n" + `<dd>`)
			for _, s := range []string{e.Place, e.Address} {
				if s != "" {
					h.Raw(`<bdi>`)
					h.Text(s)
					h.Raw(`</bdi><br>`)
				}
			}
			if e.Online != "" {
				h.Text(i18n.T(loc, "form.event.online"))
			}
			h.Raw(`</dd>`)
		}
		h.Raw("\n<dt>")
		h.Text(i18n.T(loc, "form.event.places"))
		h.Raw(`</dt>` + "\n" + `<dd>`)
		h.Text(e.Seats)
		if e.Deadline != "" {
			h.Raw(`<br>`)
			h.Text(e.Deadline)
		}
		h.Raw(`</dd>` + "\n" + `</dl>` + "\n")
		if e.Description != "" {
			h.Raw(`<p class="text">`)
			h.Text(e.Description)
			h.Raw(`</p>`)
		}
		h.Raw("\n")
	} else {
		h.Raw("\n")
		heading(h, d.Form.Heading)
	}
	h.Raw("\n")
	if f := d.Form; f != nil {
		formFields(h, d, f)
	} else {
		h.Raw("\n<p><strong>")
		h.Text(i18n.T(loc, "form.event.closed"))
		h.Raw("</strong></p>\n")
	}
	h.Raw("\n")
	if d.AllEvents != "" {
		h.Raw(`<p><a href="`)
		h.URL(d.AllEvents)
		h.Raw(`">`)
		h.Text(i18n.T(loc, "form.events.all"))
		h.Raw(`</a></p>`)
	}
}

// formFields is the form element itself. Its data- attributes are what
// the forms' script reads: where to go after a 202 and the texts it shows.
func formFields(h *render.HTML, d pageData, f *formView) {
	loc := d.Locale
	h.Raw("\n")
	if d.Event != nil {
		h.Raw("<h2>")
		h.Text(i18n.T(loc, "form.event.signup"))
		h.Raw("</h2>")
	}
	h.Raw("\n" + `<form method="post" action="`)
	h.URL(f.Action)
	h.Raw(`" novalidate data-netzwerk data-thanks="`)
	h.Text(f.Thanks)
	h.Raw(`"`)
	if f.Reference {
		h.Raw(` data-reference`)
	}
	h.Raw(` data-errors-title="`)
	h.Text(i18n.T(loc, "form.errors.title"))
	h.Raw(`" data-error-prefix="`)
	h.Text(i18n.T(loc, "form.error.prefix"))
	h.Raw(`" data-failed="`)
	h.Text(i18n.T(loc, "form.failed"))
	h.Raw(`">` + "\n")
	if len(f.Problems) > 0 {
		h.Raw(`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">` + "\n" + `<h2 id="error-summary-title">`)
		h.Text(i18n.T(loc, "form.errors.title"))
		h.Raw(`</h2>` + "\n" + `<ul>` + "\n")
		for _, p := range f.Problems {
			h.Raw(`<li>`)
			if p.Target != "" {
				h.Raw(`<a href="#`)
				h.URLQuery(p.Target)
				h.Raw(`">`)
			}
			h.Text(p.Label)
			h.Raw(`: `)
			h.Text(p.Message)
			if p.Target != "" {
				h.Raw(`</a>`)
			}
			h.Raw(`</li>` + "\n")
		}
		h.Raw(`</ul>` + "\n" + `</div>`)
	}
	h.Raw("\n")
	if f.Intro != "" {
		h.Raw(`<p>`)
		h.Text(f.Intro)
		h.Raw(`</p>`)
	}
	h.Raw("\n" + `<input type="hidden" name="locale" value="`)
	h.Text(loc)
	h.Raw(`">` + "\n")
	if f.Redirect != "" {
		h.Raw(`<input type="hidden" name="redirect" value="`)
		h.Text(f.Redirect)
		h.Raw(`">`)
	}
	h.Raw("\n")
	for _, field := range f.Fields {
		writeField(h, field)
	}
	h.Raw("\n" + `<div class="trap" aria-hidden="true"><label for="f-homepage">`)
	h.Text(i18n.T(loc, "form.trap"))
	h.Raw(`</label><input type="text" id="f-homepage" name="homepage" tabindex="-1" autocomplete="off"></div>` + "\n" + `<button type="submit">`)
	h.Text(f.Submit)
	h.Raw(`</button>` + "\n" + `</form>` + "\n")
}

// writeField is one field: a group of choices in a fieldset, the consent
// with its link, or a labelled input, each with its hint and message.
func writeField(h *render.HTML, f formField) {
	h.Raw(`<div class="field`)
	if f.Error != "" {
		h.Raw(` field-error`)
	}
	h.Raw(`" data-field="`)
	h.Text(f.Name)
	h.Raw(`" data-label="`)
	h.Text(f.Short)
	h.Raw(`">` + "\n")
	switch {
	case f.Group():
		h.Raw(`<fieldset`)
		optionalAttr(h, "aria-describedby", f.DescribedBy())
		h.Raw(`>` + "\n" + `<legend>`)
		h.Text(f.Label)
		optionalNote(h, f.Note)
		h.Raw(`</legend>` + "\n")
		fieldMessage(h, f)
		h.Raw("\n")
		kind := render.Markup("checkbox")
		if f.Kind == "radios" {
			kind = "radio"
		}
		for i, o := range f.Options {
			h.Raw(`<div class="choice"><input type="` + kind + `" id="`)
			h.Text(f.OptionID(i))
			h.Raw(`" name="`)
			h.Text(f.Name)
			h.Raw(`" value="`)
			h.Text(o.ID)
			h.Raw(`"`)
			if o.Checked {
				h.Raw(` checked`)
			}
			invalid(h, f)
			h.Raw(`><label for="`)
			h.Text(f.OptionID(i))
			h.Raw(`">`)
			h.Text(o.Label)
			h.Raw(`</label></div>` + "\n")
		}
		h.Raw(`</fieldset>` + "\n")
	case f.Kind == "consent":
		fieldMessage(h, f)
		h.Raw("\n" + `<div class="choice"><input type="checkbox" id="`)
		h.Text(f.ID())
		h.Raw(`" name="`)
		h.Text(f.Name)
		h.Raw(`" value="on"`)
		if f.Value != "" {
			h.Raw(` checked`)
		}
		h.Raw(` aria-describedby="`)
		h.Text(f.DescribedBy())
		h.Raw(`"`)
		invalid(h, f)
		h.Raw(`><label for="`)
		h.Text(f.ID())
		h.Raw(`">`)
		h.Text(f.Label)
		h.Raw(`</label></div>` + "\n" + `<p class="hint" id="`)
		h.Text(f.HintID())
		h.Raw(`"><a href="`)
		h.URL(f.Link)
		h.Raw(`">`)
		h.Text(f.LinkText)
		h.Raw(`</a></p>` + "\n")
	default:
		h.Raw(`<label for="`)
		h.Text(f.ID())
		h.Raw(`">`)
		h.Text(f.Label)
		optionalNote(h, f.Note)
		h.Raw(`</label>` + "\n")
		fieldMessage(h, f)
		h.Raw("\n")
		writeInput(h, f)
	}
	h.Raw(`</div>` + "\n")
}

// writeInput is a field's control: a textarea, a select or an input.
func writeInput(h *render.HTML, f formField) {
	switch f.Kind {
	case "textarea":
		h.Raw(`<textarea id="`)
		h.Text(f.ID())
		h.Raw(`" name="`)
		h.Text(f.Name)
		h.Raw(`" rows="6" dir="auto"`)
		optionalAttr(h, "aria-describedby", f.DescribedBy())
		invalid(h, f)
		h.Raw(`>`)
		h.Text(f.Value)
		h.Raw(`</textarea>` + "\n")
	case "select":
		h.Raw(`<select id="`)
		h.Text(f.ID())
		h.Raw(`" name="`)
		h.Text(f.Name)
		h.Raw(`"`)
		optionalAttr(h, "aria-describedby", f.DescribedBy())
		invalid(h, f)
		h.Raw(`><option value="">`)
		h.Text(f.Choose)
		h.Raw(`</option>` + "\n")
		for _, o := range f.Options {
			h.Raw(`<option value="`)
			h.Text(o.ID)
			h.Raw(`"`)
			if o.Checked {
				h.Raw(` selected`)
			}
			h.Raw(`>`)
			h.Text(o.Label)
			h.Raw(`</option>` + "\n")
		}
		h.Raw(`</select>` + "\n")
	default:
		h.Raw(`<input type="`)
		h.Text(f.Kind)
		h.Raw(`" id="`)
		h.Text(f.ID())
		h.Raw(`" name="`)
		h.Text(f.Name)
		h.Raw(`" value="`)
		h.Text(f.Value)
		h.Raw(`"`)
		optionalAttr(h, "autocomplete", f.Autocomplete)
		if f.Kind == "text" {
			h.Raw(` dir="auto"`)
		} else {
			h.Raw(` dir="ltr" spellcheck="false"`)
		}
		optionalAttr(h, "aria-describedby", f.DescribedBy())
		invalid(h, f)
		h.Raw(`>` + "\n")
	}
}

// fieldMessage is a field's hint and its error message, which
// aria-describedby names.
func fieldMessage(h *render.HTML, f formField) {
	if f.Hint != "" {
		h.Raw(`<p class="hint" id="`)
		h.Text(f.HintID())
		h.Raw(`">`)
		h.Text(f.Hint)
		h.Raw(`</p>`)
	}
	if f.Error != "" {
		h.Raw(`<p class="error-message" id="`)
		h.Text(f.ErrorID())
		h.Raw(`"><span class="visually-hidden">`)
		h.Text(f.ErrPrefix)
		h.Raw(`</span> `)
		h.Text(f.Error)
		h.Raw(`</p>`)
	}
}

// optionalNote is the "(optional)" after a label.
func optionalNote(h *render.HTML, note string) {
	if note != "" {
		h.Raw(` <span class="optional">`)
		h.Text(note)
		h.Raw(`</span>`)
	}
}

// optionalAttr writes a plain attribute only when it has a value.
func optionalAttr(h *render.HTML, name render.Markup, value string) {
	if value != "" {
		h.Raw(" " + name + `="`)
		h.Text(value)
		h.Raw(`"`)
	}
}

func invalid(h *render.HTML, f formField) {
	if f.Error != "" {
		h.Raw(` aria-invalid="true"`)
	}
}
