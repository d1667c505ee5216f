package notify

// WarmSES lets the external tests reach warmSES.
var WarmSES = warmSES
