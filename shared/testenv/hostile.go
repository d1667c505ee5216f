package testenv

import "strings"

// Hostile values for what people type and what a configuration may hold,
// shared by the golden tests of the mails and the pages: markup, both
// quotes, ampersands, the plus html/template escapes, bidi overrides and
// Arabic text, line breaks of every kind and text far longer than a line.
const (
	HostileTag   = `<script>alert("x")</script>`
	HostileQuote = `O'Brien & Söhne "GmbH" + Co <b>`
	HostileBidi  = "\u202eevil\u202c مؤسسة الأمل 123"
	HostileLines = "Erste Zeile <img src=x onerror=alert(4)>\nZweite Zeile & mehr\r\nDritte 'Zeile'\n\n"
)

// HostileLong is a text far longer than a line, with markup characters.
var HostileLong = strings.Repeat("Sehr lange Nachricht ohne Umbruch & mit <Zeichen> ", 20)
