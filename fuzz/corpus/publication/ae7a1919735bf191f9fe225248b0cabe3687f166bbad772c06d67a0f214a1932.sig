{
  "format": "urne-publication-signature/1",
  "manifest_sha256": "ae7a1919735bf191f9fe225248b0cabe3687f166bbad772c06d67a0f214a1932",
  "publisher_key": "b0ib7+uOpe6yjWgTRsQylSFFspZI474C/SyHZGqS5X8=",
  "signature": "7OZD3ENr9m6jL0DuxYRFww20rJ9w3Fqm+6SAZd8Y5nfxiDio8mPNhzLjyfCbc9cQHOOqbwQ57tRqdLIXssutAA=="
}
