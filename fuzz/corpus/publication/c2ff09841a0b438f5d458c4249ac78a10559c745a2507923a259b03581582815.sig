{
  "format": "urne-publication-signature/1",
  "manifest_sha256": "c2ff09841a0b438f5d458c4249ac78a10559c745a2507923a259b03581582815",
  "publisher_key": "7RZvSgRTQC+lVHiev8SOdFpEbUVz778891yChJ5HXm8=",
  "signature": "GD4Fdwr6qgtZiasRo1RNRGo77NRzty1TKVmruTNZ6ZGLY6x1pyxezEvSkMafXc0dHkPLP3YSdwqNA7peTJwZAg=="
}
