package httpapi

// The pages' and the console's style sheets. Each is written inline
// between <style> and </style> exactly as it stands here, and the
// Content-Security-Policy allows it by the hash of this same text, so a
// change here changes both.

// pageStyle is the public pages' style sheet.
const pageStyle = `
body{margin:0;font-family:system-ui,Arial,sans-serif;line-height:1.5;color:#1a1a1a;background:#f4f4f4}
main{max-width:40rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-top:6px solid #00549f}
.network{color:#00549f;font-weight:bold;font-size:.9rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
button{font:inherit;font-weight:bold;background:#00549f;color:#fff;border:0;border-radius:4px;padding:.75rem 1.25rem;cursor:pointer}
button:focus{outline:3px solid #ffbf47;outline-offset:2px}
.problems{border-inline-start:4px solid #b00020;padding-inline-start:1rem}
footer{font-size:.85rem;color:#555;margin-top:2rem;border-top:1px solid #e0e0e0;padding-top:1rem}
a{color:#00549f}
a:focus{outline:3px solid #ffbf47;outline-offset:0;background:#ffbf47;color:#0b0c0c}
.languages ul{list-style:none;margin:0 0 1rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.9rem}
.visually-hidden{position:absolute;width:1px;height:1px;margin:0;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.field{margin:0 0 1.5rem}
fieldset{border:0;padding:0;margin:0}
label,legend{display:block;font-weight:bold;margin:0 0 .25rem;padding:0}
.optional{font-weight:normal}
.hint{color:#4a4a4a;margin:0 0 .25rem}
input[type=text],input[type=email],input[type=tel],input[type=url],select,textarea{font:inherit;width:100%;max-width:32rem;box-sizing:border-box;padding:.4rem;border:2px solid #1a1a1a;border-radius:0;background:#fff;color:#1a1a1a}
textarea{min-height:8rem}
input:focus,select:focus,textarea:focus{outline:3px solid #ffbf47;outline-offset:0;box-shadow:inset 0 0 0 2px #1a1a1a}
.choice{display:flex;align-items:flex-start;gap:.5rem;margin:.4rem 0}
.choice input{width:1.5rem;height:1.5rem;margin:0;flex:none}
.choice label{font-weight:normal;margin:0}
.field-error{border-inline-start:5px solid #b00020;padding-inline-start:.75rem}
.error-message{color:#b00020;font-weight:bold;margin:0 0 .25rem}
[aria-invalid=true]{border-color:#b00020}
.error-summary{border:4px solid #b00020;padding:1rem;margin:0 0 1.5rem}
.error-summary:focus{outline:3px solid #ffbf47}
.error-summary h2{margin:0 0 .5rem;font-size:1.2rem}
.error-summary a{color:#b00020;font-weight:bold}
.trap{display:none}
.events{list-style:none;padding:0;margin:0}
.events li{border-bottom:1px solid #e0e0e0;padding:.5rem 0}
.events h2{font-size:1.2rem;margin:.25rem 0}
.events p,.facts dd{margin:.25rem 0}
.facts dt{font-weight:bold}
.facts dd{margin-inline-start:0;margin-bottom:.75rem}
.text{white-space:pre-line}
@media (max-width:40rem){main{margin:0;padding:1rem}}
`

// consoleStyle is the coordinators' console's style sheet.
const consoleStyle = `
body{margin:0;font-family:system-ui,Arial,sans-serif;line-height:1.5;color:#1a1a1a;background:#f4f4f4}
header{background:#00549f;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header a,header button{color:#fff}
header .network{font-weight:bold;margin:0}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
nav a[aria-current=page]{font-weight:bold;text-decoration-thickness:3px}
main{max-width:72rem;margin:1rem auto;padding:1rem 1.5rem;background:#fff}
main:focus{outline:none}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
h2{font-size:1.2rem}
button{font:inherit;font-weight:bold;background:#00549f;color:#fff;border:0;border-radius:4px;padding:.5rem 1rem;cursor:pointer}
button.secondary{background:#fff;color:#00549f;border:2px solid #00549f}
button.danger{background:#b00020}
header button{background:transparent;border:2px solid #fff}
a{color:#00549f}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #ffbf47;outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:0 0 1rem}
th,td{text-align:start;border-bottom:1px solid #d0d0d0;padding:.4rem .5rem;vertical-align:top}
th{background:#f0f0f0}
.status{border-inline-start:5px solid #00703c;background:#eef7f1;padding:.5rem 1rem;margin:0 0 1rem}
.status.error{border-color:#b00020;background:#fdf0f2}
.status:empty{display:none}
label{display:block;font-weight:bold;margin:.75rem 0 .25rem}
input,select,textarea{font:inherit;padding:.35rem;border:2px solid #1a1a1a;max-width:100%;box-sizing:border-box}
input[type=text],input[type=email],input[type=datetime-local],input[type=number],textarea,select{width:30rem}
input[type=checkbox]{width:1.25rem;height:1.25rem}
.check label{display:inline;font-weight:normal}
.error-message{color:#b00020;font-weight:bold;margin:.25rem 0}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:0 0 1rem}
.card{border:1px solid #d0d0d0;padding:.75rem 1rem;min-width:12rem}
.card strong{display:block;font-size:2rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:bold}
dd{margin:0;white-space:pre-line}
svg text{font-size:12px;fill:#1a1a1a}
`
