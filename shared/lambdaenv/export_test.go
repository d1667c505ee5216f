package lambdaenv

// HashKey lets the external tests reach hashKey.
var HashKey = hashKey
