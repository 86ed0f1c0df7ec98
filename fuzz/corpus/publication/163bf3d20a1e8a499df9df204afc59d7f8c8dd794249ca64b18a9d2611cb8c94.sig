{
  "format": "urne-publication-signature/1",
  "manifest_sha256": "163bf3d20a1e8a499df9df204afc59d7f8c8dd794249ca64b18a9d2611cb8c94",
  "publisher_key": "x1UZmzGXez/X3ipstfJp9br5v0R4qbdtaU/YLHgRGFk=",
  "signature": "Gb9S494dRasOe/WzDON+6qvJGBB/lM4StvSMgdFHq8PFZ4HvTq9139/Pyl3ryYZe3CQuWlbDAgcE79aaCkgcCA=="
}
