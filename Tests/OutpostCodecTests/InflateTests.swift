import Foundation
import OutpostCodec
import OutpostTestRandom
import Testing

/// Raw DEFLATE (RFC 1951) against reference data: streams made by zlib (Python's `zlib`, raw
/// `wbits=-15`: levels 0 and 9, the Huffman-only strategy, full flushes between blocks)
/// decode to their inputs, and malformed streams fail with an offset instead of crashing.
struct InflateTests {
  /// Name, the compressed stream and the input it was made from (base64; nil: ``far``).
  static let vectors: [(String, String, String?)] = [
    (
      "empty",
      "AwA=",
      ""
    ),
    (
      "fixed",
      "y0jNycnXUchAohTyS0sK8otLAA==",
      "aGVsbG8sIGhlbGxvLCBoZWxsbyBvdXRwb3N0"
    ),
    (
      "dynamic",
      """
      fdc9blAxEMTxnrO8IO/Y64/jQRMqQKKgiQRCQuIAESKi4DR5IbfAIwpYP2v6qfzzv9jz49fz7tNx/vj8/OrD8fT6
      4fH25/Ptu+P8/ub3/cMLJPhNyjfJjvP93dP9l/Ptt8eHX0dO6bCUXnr6N8E6aXNiYZKXiZU5QZiUZQKbkxwmvk76
      nJQwqcsk+5x4mLRlUjAnNUz6Ohlz0sJkLBOvc9L/n1haJjXPyQiT9XXbfF0Lr2vr67b5uhZe19bX7fN1LbyulQ2j
      hdc13zBaeF2rG0YLr2ttw2jhda1vGC28ro0No4XXRdowWnhd2IYR4XWBDSPC6yJvGBFeF2XDiPC68A0jwuuibhgR
      Xhdtw4jwuugbRsS/axtGdNk0GTFk02TMSTZNxmyyaTJmyKbJmLNsmoy5yKbJmF02TcZcZdNkzE02TcbcZdNkzEM2
      TcaSZNNkLCabJmOBbJqMJcumyViKbJqMxWXTZCxVNk3G0mTTZCxdNk3GMmTTZPQkmyajm2yajA7ZNBk9y6bJ6EU2
      TUZ32TQZvcqmyehNNk1G77JpMvqQTZOxJtk0GavJpslYIZsmY82yaTLWIpsmY3XZNBlrlU2TsTbZNBlrl02TsQ7Z
      NBlbkk2TsZlsmowNsmkytiybJmMrsmkyNpdNk7FV2TQZW5NNk7F12TQZ25BNk7En2TQZu8mmydghmyZjz7JpMvYi
      myZjd9k0GXuVTZOxN9k0GXuXTZOxD9k0GUeSTZNxmGyajAOyaTKOLJsm4yiyaTIOl02TcVTZNBlHk02TcXTZNBnH
      kE1PRsRb7dL0ZES81S5NT0bEW+3S9GREvNWwuRsRbzVs7kbEWw2buxHxVsPmbkS81bC5GxFvNWzuRsRbDZu7EfFW
      w+ZuRLzVLk1PRsRb7dI0GeOtdmmajPFWuzRNxnirXZomY7zVLk2TMd5ql6bJGG+1S9Nk/Hur/QE=
      """,
      "@csv"
    ),
    (
      "stored",
      """
      AegDF/xhY2FjZGJjY2JiYmRjY2JjYmNjYWFkZGNiYWRiY2NiY2NjYWRkYWFhZGNhYmNjY2FjYmJkYmRiY2NkYWNi
      Y2JhYWJhYWNkYWJhYWFiY2FhYmRiZGRhYWJhYWJjZGJiYmRiYmNhYWFjZGNiYmRhY2JhZGRhYmNjZGJhYWFkYmRj
      Y2RkYWRhYmRiY2RkY2JjZGNkYWJkZGJhYmNjYWRkYWRjZGRiY2RkY2FhYWRjYWJiYmRjYWJjYmRkY2FjYmFhYWNh
      Y2JhYmRjY2RjYWFkYWRiY2NkY2FiYWRkZGFiZGRiZGFjYmNjZGJkYWRjZGRiYmJiYWJjYmRkY2JiYWNjYmRhYWFh
      ZGJhZGNjYWJhZGJhYmFhZGNhY2FkY2RhYWNiYWNhYWJkZGNjZGRiYmNiYWRjZGNkYmNiZGRhYmNhZGJjYWRiY2Rk
      YmFkYmNkY2RjYmRiY2RhZGNiYmFhYmNhZGFjY2JkZGNiZGNiYWJkYmRiYmRkYmNkZGJiY2NjYWNiY2JiZGNjYWNi
      Y2NiYmJhZGFkYWRkYWJjZGFiYWRiYWJiYWFkYWFiYWJiYmJjYmFjZGJjYmFiY2JkYmNiY2NhYWRhY2FjY2FkYWRj
      Y2JkYmFkYWRhYmJjYmNiYWRjYmFkY2FkYWRkY2RhZGFkYWJjYWRhZGNhYmFjY2RiYmRjYWFiYmJiZGRjZGRjYWFi
      Y2FhZGRkYmRhYmJiYWRkYmFjYWFjY2JkZGNiYWNjYmRkZGRkYWRkYmRhYWNkY2FiZGFkZGRkY2JkYWFkY2NiY2Nk
      YWRhZGNjYmRhYmJhY2JhZGJkYmRiZGNhZGFhZGNjZGRiYWJkZGNkYWJkYmRkZGNjY2NhYWRhYWFhYWFjY2RiYWFi
      ZGNkY2FhZGNkZGJjY2NjY2RhY2FjY2JiY2NkY2FiY2NiYWFhYmNiYWFjY2NkZGJjY2RkZGRkZGJhYmRjYmRhZGFk
      ZGNiZGJhYWNhYWNhZGNiY2NiYWNjZGRiZGRkY2FhY2JhZGFkY2NiYWJjY2RkZGNiZGRhYWRkYmNhYmRjZGJjZGRh
      ZGJhY2JkY2NkY2RkY2FjYWRiYWNiY2FhYWNiZGNhYWRiY2NiYWFkZGNiYmFkY2RhY2FjY2FkYWJkZGNiY2JkY2Rj
      Y2NiZGFiY2JkYmJhY2RiZGJiY2JhZGRhY2RjY2RkYWJjYWJhYmFhY2RjY2NkYmRhYmNiY2FjYWRiYmRkY2FhY2Fi
      ZGNjYmRhZGFiYWJkYWRjYmFhYWNkY2RhYmRkYWFjY2JkY2RkYWNiYmRiY2FiYmRkYWFhZGFiYWNkZGJhYWFiY2Nh
      YWNjYmNkZGJhYWJjY2Nk
      """,
      """
      YWNhY2RiY2NiYmJkY2NiY2JjY2FhZGRjYmFkYmNjYmNjY2FkZGFhYWRjYWJjY2NhY2JiZGJkYmNjZGFjYmNiYWFi
      YWFjZGFiYWFhYmNhYWJkYmRkYWFiYWFiY2RiYmJkYmJjYWFhY2RjYmJkYWNiYWRkYWJjY2RiYWFhZGJkY2NkZGFk
      YWJkYmNkZGNiY2RjZGFiZGRiYWJjY2FkZGFkY2RkYmNkZGNhYWFkY2FiYmJkY2FiY2JkZGNhY2JhYWFjYWNiYWJk
      Y2NkY2FhZGFkYmNjZGNhYmFkZGRhYmRkYmRhY2JjY2RiZGFkY2RkYmJiYmFiY2JkZGNiYmFjY2JkYWFhYWRiYWRj
      Y2FiYWRiYWJhYWRjYWNhZGNkYWFjYmFjYWFiZGRjY2RkYmJjYmFkY2RjZGJjYmRkYWJjYWRiY2FkYmNkZGJhZGJj
      ZGNkY2JkYmNkYWRjYmJhYWJjYWRhY2NiZGRjYmRjYmFiZGJkYmJkZGJjZGRiYmNjY2FjYmNiYmRjY2FjYmNjYmJi
      YWRhZGFkZGFiY2RhYmFkYmFiYmFhZGFhYmFiYmJiY2JhY2RiY2JhYmNiZGJjYmNjYWFkYWNhY2NhZGFkY2NiZGJh
      ZGFkYWJiY2JjYmFkY2JhZGNhZGFkZGNkYWRhZGFiY2FkYWRjYWJhY2NkYmJkY2FhYmJiYmRkY2RkY2FhYmNhYWRk
      ZGJkYWJiYmFkZGJhY2FhY2NiZGRjYmFjY2JkZGRkZGFkZGJkYWFjZGNhYmRhZGRkZGNiZGFhZGNjYmNjZGFkYWRj
      Y2JkYWJiYWNiYWRiZGJkYmRjYWRhYWRjY2RkYmFiZGRjZGFiZGJkZGRjY2NjYWFkYWFhYWFhY2NkYmFhYmRjZGNh
      YWRjZGRiY2NjY2NkYWNhY2NiYmNjZGNhYmNjYmFhYWJjYmFhY2NjZGRiY2NkZGRkZGRiYWJkY2JkYWRhZGRjYmRi
      YWFjYWFjYWRjYmNjYmFjY2RkYmRkZGNhYWNiYWRhZGNjYmFiY2NkZGRjYmRkYWFkZGJjYWJkY2RiY2RkYWRiYWNi
      ZGNjZGNkZGNhY2FkYmFjYmNhYWFjYmRjYWFkYmNjYmFhZGRjYmJhZGNkYWNhY2NhZGFiZGRjYmNiZGNkY2NjYmRh
      YmNiZGJiYWNkYmRiYmNiYWRkYWNkY2NkZGFiY2FiYWJhYWNkY2NjZGJkYWJjYmNhY2FkYmJkZGNhYWNhYmRjY2Jk
      YWRhYmFiZGFkY2JhYWFjZGNkYWJkZGFhY2NiZGNkZGFjYmJkYmNhYmJkZGFhYWRhYmFjZGRiYWFhYmNjYWFjY2Jj
      ZGRiYWFiY2NjZA==
      """
    ),
    (
      "blocks",
      """
      XNAxDsIwDADAnbekyHbiJH0eLGUCJAaWSiAkJB5QISIGXtOU/gKLBez9pqvHa+1Prj7O8+rgpnUZu+fc7Vy9b95D
      WRAQN+AbQFf3/TRc6vY2lpfzAA4Blgw/QpYkIaiINwSDEFIkGEIoxCvClmQhQZFoiGchrEgyJJCQqEi2pBWSFGkN
      4Sgk/xMEQ6IX0ipid5PsotpFu5tkF9Uu2t0su6h28bv7AQAA//88k4mBxDAIA2vFqP8ajhllL7t5MBgkgWdn83bf
      e7nn/XYm2Teu7pnJ3NKOxgXm4coQPXP/+77n+e8+Z1x8l5ZYVi+CfUPWkCfEh4pnh11LzQvDOO9r3bPr+hAA8nyP
      FYqPL/MAW8xE3N4mEuXyNtVd3/b7OHowu03ndNMDOKmJHlJLSZgPtgGhCWCb3uCN2FciY3YDrMGyKFGjfN6n5aq6
      GIGGFqbOhwY4qAlw0FBbAr9GIQB16F2agEihcptwU0cDB+ZRSfPi99vGI5VQIvkPf9+IasAoMobkxvLbMqqKujDw
      R9mphoqZTsmtlIJXZ+KljbTtXCX4vrbuds6YuW2MqExMXdkihNjRYAWfFrSlxTjdayshtdZ+ziPgHal0FrCdYjVL
      YXSGsv8tUKiVQTUAiD37ZifIth2d13OznU06ZqFXkE60dJ4yd9S/w9GmkMezyKnoCaWxSRVq62qiZP4AAAD//3zX
      O45UMRCF4Zy19KB6uuxNIhZARMQCSIhYDTPbwEcklK914j7SlerrP/DHz+/vX378+fX75SIvVf+c8snE8k38TfP1
      /vXbx3+T2pNok3FMNPYk26SOiemejDaZ52TuSbXJOiaeezL/n5gck7A9WW2i52S91KRN7Jjk2BNtEz8mw/fE2iSO
      Se3rWruundetfV1r17XzunNf19p17bwuGK1d1+aF0dp1RS+M1q4rdmG0dl3xC6O360pcGL1dV/LC6O26Mi6M3q4r
      dWH0dl2ZF0Zv15V1YfT+35ULo/f/rl4YvV1X7cLo7brqF8Zo19W4MIbSpsEYRpsGYzhtGowRtGkwRtKmwRiDNg3G
      KNo0GGPSpsEYizYNxhTaNBhTadNgTKNNgzGdNg3GDNo0GDNp02DMQZsGYxZtGow5adNgzEWbBuMQ2jQYh9KmwTiM
      Ng3G4bRpMI6gTYNxJG0ajGPQpsE4ijYNxjFp02AcizYNxhLaNBhLadNgLKNNg7GcNg3GCto0GCtp02CsQZsGYxVt
      Gow1adNgrEWbBuMU2jQYp9KmwTiNNg3G6bRpMM6gTYNxJm0ajHPQpsE4izYNxjlp02CcizYNxiW0aTAupU2DcRlt
      GozLadNgXEGbBuNK2jQY16BNg3EVbRqMa9KmwbgWbXozmghtejOaKG16M+7faNOb0cRp04IPBW1a8KGkTSs+NGjT
      +8smRZvejCaTNr0ZTRZtejOaCm16M5oqbXozmhptGoz9rfZoGoz9rfZoGoz9rfZoGoz9rfZoGoz9rfZoGoz9rfZo
      Goz/3mp/AQAA//8DAA==
      """,
      """
      5pel5pyfLOa4oOmBkyzngrnlh7vph48s5raI6LS5CjIwMjUtMDMtMDEs5pCc57Si5o6o5bm/LDMwMCwxMDAuNTAK
      MjAyNS0wMy0wMizmkJzntKLmjqjlub8sMzA3LDEwMS41MAoyMDI1LTAzLTAzLOaQnOe0ouaOqOW5vywzMTQsMTAy
      LjUwCjIwMjUtMDMtMDQs5pCc57Si5o6o5bm/LDMyMSwxMDMuNTAKMjAyNS0wMy0wNSzmkJzntKLmjqjlub8sMzI4
      LDEwNC41MAoyMDI1LTAzLTA2LOaQnOe0ouaOqOW5vywzMzUsMTA1LjUwCjIwMjUtMDMtMDcs5pCc57Si5o6o5bm/
      LDM0MiwxMDYuNTAKMjAyNS0wMy0wOCzmkJzntKLmjqjlub8sMzQ5LDEwNy41MAoyMDI1LTAzLTA5LOaQnOe0ouaO
      qOW5vywzNTYsMTA4LjUwCjIwMjUtMDMtMTAs5pCc57Si5o6o5bm/LDM2MywxMDkuNTAKMjAyNS0wMy0xMSzmkJzn
      tKLmjqjlub8sMzcwLDExMC41MAoyMDI1LTAzLTEyLOaQnOe0ouaOqOW5vywzNzcsMTExLjUwCjIwMjUtMDMtMTMs
      5pCc57Si5o6o5bm/LDM4NCwxMTIuNTAKMjAyNS0wMy0xNCzmkJxhY2FjZGJjY2JiYmRjY2JjYmNjYWFkZGNiYWRi
      Y2NiY2NjYWRkYWFhZGNhYmNjY2FjYmJkYmRiY2NkYWNiY2JhYWJhYWNkYWJhYWFiY2FhYmRiZGRhYWJhYWJjZGJi
      YmRiYmNhYWFjZGNiYmRhY2JhZGRhYmNjZGJhYWFkYmRjY2RkYWRhYmRiY2RkY2JjZGNkYWJkZGJhYmNjYWRkYWRj
      ZGRiY2RkY2FhYWRjYWJiYmRjYWJjYmRkY2FjYmFhYWNhY2JhYmRjY2RjYWFkYWRiY2NkY2FiYWRkZGFiZGRiZGFj
      YmNjZGJkYWRjZGRiYmJiYWJjYmRkY2JiYWNjYmRhYWFhZGJhZGNjYWJhZGJhYmFhZGNhY2FkY2RhYWNiYWNhYWJk
      ZGNjZGRiYmNiYWRjZGNkYmNiZGRhYmNhZGJjYWRiY2RkYmFkYmNkY2RjYmRiY2RhZGNiYmFhYmNhZGFjY2JkZGNi
      ZGNiYWJkYmRiYmRkYmNkZGJiY2NjYWNiY2JiZGNjYWNiY2NiYmJhZGFkYWRkYWJjZGFiYWRiYWJiYWFkYWFiYWJi
      YmJjYmFjZGJjYmFiY2JkYmNiY2NhYWRhY2FjY2FkYWRjY2JkYmFkYWRhYmJjYmNiYWRjYmFkY2FkYWRkY2RhZGFk
      YWJjYWRhZGNhYmFjY2RiYmRjYWFiYmJiZGRjZGRjYWFiY2FhZGRkYmRhYmJiYWRkYmFjYWFjY2JkZGNiYWNjYmRk
      ZGRkYWRkYmRhYWNkY2FiZGFkZGRkY2JkYWFkY2NiY2NkYWRhZGNjYmRhYmJhY2JhZGJkYmRiZGNhZGFhZGNjZGRi
      YWJkZGNkYWJkYmRkZGNjY2NhYWRhYWFhYWFjY2RiYWFiZGNkY2FhZGNkZGJjY2NjY2RhY2FjY2JiY2NkY2FiY2Ni
      YWFhYmNiYWFjY2NkZGJjY2RkZGRkZGJhYmRjYmRhZGFkZGNiZGJhYWNhYWNhZGNiY2NiYWNjZGRiZGRkY2FhY2Jh
      ZGFkY2NiYWJjY2RkZGNiZGRhYWRkYmNhYmRjZGJjZGRhZGJhY2JkY2NkY2RkY2FjYWRiYWNiY2FhYWNiZGNhYWRi
      Y2NiYWFkZGNiYmFkY2RhY2FjY2FkYWJkZGNiY2JkY2RjY2NiZGFiY2JkYmJhY2RiZGJiY2JhZGRhY2RjY2RkYWJj
      YWJhYmFhY2RjY2NkYmRhYmNiY2FjYWRiYmRkY2FhY2FiZGNjYmRhZGFiYWJkYWRjYmFhYWNkY2RhYmRkYWFjY2Jk
      Y2RkYWNiYmRiY2FiYmRkYWFhZGFiYWNkZGJhYWFiY2NhYWNjYmNkZGJhYWJjY2Nk57Si5o6o5bm/LDMwMCwxMTMu
      NTAKMjAyNS0wMy0xNSzmkJzntKLmjqjlub8sMzA3LDExNC41MAoyMDI1LTAzLTE2LOaQnOe0ouaOqOW5vywzMTQs
      MTE1LjUwCjIwMjUtMDMtMTcs5pCc57Si5o6o5bm/LDMyMSwxMTYuNTAKMjAyNS0wMy0xOCzmkJzntKLmjqjlub8s
      MzI4LDExNy41MAoyMDI1LTAzLTE5LOaQnOe0ouaOqOW5vywzMzUsMTE4LjUwCjIwMjUtMDMtMjAs5pCc57Si5o6o
      5bm/LDM0MiwxMTkuNTAKMjAyNS0wMy0yMSzmkJzntKLmjqjlub8sMzQ5LDEyMC41MAoyMDI1LTAzLTIyLOaQnOe0
      ouaOqOW5vywzNTYsMTIxLjUwCjIwMjUtMDMtMjMs5pCc57Si5o6o5bm/LDM2MywxMjIuNTAKMjAyNS0wMy0yNCzm
      kJzntKLmjqjlub8sMzcwLDEyMy41MAoyMDI1LTAzLTI1LOaQnOe0ouaOqOW5vywzNzcsMTI0LjUwCjIwMjUtMDMt
      MjYs5pCc57Si5o6o5bm/LDM4NCwxMjUuNTAKMjAyNS0wMy0yNyzmkJzntKLmjqjlub8sMzAwLDEyNi41MAoyMDI1
      LTAzLTI4LOaQnOe0ouaOqOW5vywzMDcsMTI3LjUwCjIwMjUtMDMtMDEs5pCc57Si5o6o5bm/LDMxNCwxMjguNTAK
      MjAyNS0wMy0wMizmkJzntKLmjqjlub8sMzIxLDEyOS41MAoyMDI1LTAzLTAzLOaQnOe0ouaOqOW5vywzMjgsMTMw
      LjUwCjIwMjUtMDMtMDQs5pCc57Si5o6o5bm/LDMzNSwxMzEuNTAKMjAyNS0wMy0wNSzmkJzntKLmjqjlub8sMzQy
      LDEzMi41MAoyMDI1LTAzLTA2LOaQnOe0ouaOqOW5vywzNDksMTMzLjUwCjIwMjUtMDMtMDcs5pCc57Si5o6o5bm/
      LDM1NiwxMzQuNTAKMjAyNS0wMy0wOCzmkJzntKLmjqjlub8sMzYzLDEzNS41MAoyMDI1LTAzLTA5LOaQnOe0ouaO
      qOW5vywzNzAsMTM2LjUwCjIwMjUtMDMtMTAs5pCc57Si5o6o5bm/LDM3NywxMzcuNTAKMjAyNS0wMy0xMSzmkJzn
      tKLmjqjlub8sMzg0LDEzOC41MAoyMDI1LTAzLTEyLOaQnOe0ouaOqOW5vywzMDAsMTM5LjUwCjIwMjUtMDMtMTMs
      5pCc57Si5o6o5bm/LDMwNywxNDAuNTAKMjAyNS0wMy0xNCzmkJzntKLmjqjlub8sMzE0LDE0MS41MAoyMDI1LTAz
      LTE1LOaQnOe0ouaOqOW5vywzMjEsMTQyLjUwCjIwMjUtMDMtMTYs5pCc57Si5o6o5bm/LDMyOCwxNDMuNTAKMjAy
      NS0wMy0xNyzmkJzntKLmjqjlub8sMzM1LDE0NC41MAoyMDI1LTAzLTE4LOaQnOe0ouaOqOW5vywzNDIsMTQ1LjUw
      CjIwMjUtMDMtMTks5pCc57Si5o6o5bm/LDM0OSwxNDYuNTAKMjAyNS0wMy0yMCzmkJzntKLmjqjlub8sMzU2LDE0
      Ny41MAoyMDI1LTAzLTIxLOaQnOe0ouaOqOW5vywzNjMsMTQ4LjUwCjIwMjUtMDMtMjIs5pCc57Si5o6o5bm/LDM3
      MCwxNDkuNTAKMjAyNS0wMy0yMyzmkJzntKLmjqjlub8sMzc3LDE1MC41MAoyMDI1LTAzLTI0LOaQnOe0ouaOqOW5
      vywzODQsMTUxLjUwCjIwMjUtMDMtMjUs5pCc57Si5o6o5bm/LDMwMCwxNTIuNTAKMjAyNS0wMy0yNizmkJzntKLm
      jqjlub8sMzA3LDE1My41MAoyMDI1LTAzLTI3LOaQnOe0ouaOqOW5vywzMTQsMTU0LjUwCjIwMjUtMDMtMjgs5pCc
      57Si5o6o5bm/LDMyMSwxNTUuNTAKMjAyNS0wMy0wMSzmkJzntKLmjqjlub8sMzI4LDE1Ni41MAoyMDI1LTAzLTAy
      LOaQnOe0ouaOqOW5vywzMzUsMTU3LjUwCjIwMjUtMDMtMDMs5pCc57Si5o6o5bm/LDM0MiwxNTguNTAKMjAyNS0w
      My0wNCzmkJzntKLmjqjlub8sMzQ5LDE1OS41MAoyMDI1LTAzLTA1LOaQnOe0ouaOqOW5vywzNTYsMTYwLjUwCjIw
      MjUtMDMtMDYs5pCc57Si5o6o5bm/LDM2MywxNjEuNTAKMjAyNS0wMy0wNyzmkJzntKLmjqjlub8sMzcwLDE2Mi41
      MAoyMDI1LTAzLTA4LOaQnOe0ouaOqOW5vywzNzcsMTYzLjUwCjIwMjUtMDMtMDks5pCc57Si5o6o5bm/LDM4NCwx
      NjQuNTAKMjAyNS0wMy0xMCzmkJzntKLmjqjlub8sMzAwLDE2NS41MAoyMDI1LTAzLTExLOaQnOe0ouaOqOW5vywz
      MDcsMTY2LjUwCjIwMjUtMDMtMTIs5pCc57Si5o6o5bm/LDMxNCwxNjcuNTAKMjAyNS0wMy0xMyzmkJzntKLmjqjl
      ub8sMzIxLDE2OC41MAoyMDI1LTAzLTE0LOaQnOe0ouaOqOW5vywzMjgsMTY5LjUwCjIwMjUtMDMtMTUs5pCc57Si
      5o6o5bm/LDMzNSwxNzAuNTAKMjAyNS0wMy0xNizmkJzntKLmjqjlub8sMzQyLDE3MS41MAoyMDI1LTAzLTE3LOaQ
      nOe0ouaOqOW5vywzNDksMTcyLjUwCjIwMjUtMDMtMTgs5pCc57Si5o6o5bm/LDM1NiwxNzMuNTAKMjAyNS0wMy0x
      OSzmkJzntKLmjqjlub8sMzYzLDE3NC41MAoyMDI1LTAzLTIwLOaQnOe0ouaOqOW5vywzNzAsMTc1LjUwCjIwMjUt
      MDMtMjEs5pCc57Si5o6o5bm/LDM3NywxNzYuNTAKMjAyNS0wMy0yMizmkJzntKLmjqjlub8sMzg0LDE3Ny41MAoy
      MDI1LTAzLTIzLOaQnOe0ouaOqOW5vywzMDAsMTc4LjUwCjIwMjUtMDMtMjQs5pCc57Si5o6o5bm/LDMwNywxNzku
      NTAKMjAyNS0wMy0yNSzmkJzntKLmjqjlub8sMzE0LDE4MC41MAoyMDI1LTAzLTI2LOaQnOe0ouaOqOW5vywzMjEs
      MTgxLjUwCjIwMjUtMDMtMjcs5pCc57Si5o6o5bm/LDMyOCwxODIuNTAKMjAyNS0wMy0yOCzmkJzntKLmjqjlub8s
      MzM1LDE4My41MAoyMDI1LTAzLTAxLOaQnOe0ouaOqOW5vywzNDIsMTg0LjUwCjIwMjUtMDMtMDIs5pCc57Si5o6o
      5bm/LDM0OSwxODUuNTAKMjAyNS0wMy0wMyzmkJzntKLmjqjlub8sMzU2LDE4Ni41MAoyMDI1LTAzLTA0LOaQnOe0
      ouaOqOW5vywzNjMsMTg3LjUwCjIwMjUtMDMtMDUs5pCc57Si5o6o5bm/LDM3MCwxODguNTAKMjAyNS0wMy0wNizm
      kJzntKLmjqjlub8sMzc3LDE4OS41MAoyMDI1LTAzLTA3LOaQnOe0ouaOqOW5vywzODQsMTkwLjUwCjIwMjUtMDMt
      MDgs5pCc57Si5o6o5bm/LDMwMCwxOTEuNTAKMjAyNS0wMy0wOSzmkJzntKLmjqjlub8sMzA3LDE5Mi41MAoyMDI1
      LTAzLTEwLOaQnOe0ouaOqOW5vywzMTQsMTkzLjUwCjIwMjUtMDMtMTEs5pCc57Si5o6o5bm/LDMyMSwxOTQuNTAK
      MjAyNS0wMy0xMizmkJzntKLmjqjlub8sMzI4LDE5NS41MAoyMDI1LTAzLTEzLOaQnOe0ouaOqOW5vywzMzUsMTk2
      LjUwCjIwMjUtMDMtMTQs5pCc57Si5o6o5bm/LDM0MiwxOTcuNTAKMjAyNS0wMy0xNSzmkJzntKLmjqjlub8sMzQ5
      LDE5OC41MAoyMDI1LTAzLTE2LOaQnOe0ouaOqOW5vywzNTYsMTk5LjUwCjIwMjUtMDMtMTcs5pCc57Si5o6o5bm/
      LDM2MywyMDAuNTAKMjAyNS0wMy0xOCzmkJzntKLmjqjlub8sMzcwLDIwMS41MAoyMDI1LTAzLTE5LOaQnOe0ouaO
      qOW5vywzNzcsMjAyLjUwCjIwMjUtMDMtMjAs5pCc57Si5o6o5bm/LDM4NCwyMDMuNTAKMjAyNS0wMy0yMSzmkJzn
      tKLmjqjlub8sMzAwLDIwNC41MAoyMDI1LTAzLTIyLOaQnOe0ouaOqOW5vywzMDcsMjA1LjUwCjIwMjUtMDMtMjMs
      5pCc57Si5o6o5bm/LDMxNCwyMDYuNTAKMjAyNS0wMy0yNCzmkJzntKLmjqjlub8sMzIxLDIwNy41MAoyMDI1LTAz
      LTI1LOaQnOe0ouaOqOW5vywzMjgsMjA4LjUwCjIwMjUtMDMtMjYs5pCc57Si5o6o5bm/LDMzNSwyMDkuNTAKMjAy
      NS0wMy0yNyzmkJzntKLmjqjlub8sMzQyLDIxMC41MAoyMDI1LTAzLTI4LOaQnOe0ouaOqOW5vywzNDksMjExLjUw
      CjIwMjUtMDMtMDEs5pCc57Si5o6o5bm/LDM1NiwyMTIuNTAKMjAyNS0wMy0wMizmkJzntKLmjqjlub8sMzYzLDIx
      My41MAoyMDI1LTAzLTAzLOaQnOe0ouaOqOW5vywzNzAsMjE0LjUwCjIwMjUtMDMtMDQs5pCc57Si5o6o5bm/LDM3
      NywyMTUuNTAKMjAyNS0wMy0wNSzmkJzntKLmjqjlub8sMzg0LDIxNi41MAoyMDI1LTAzLTA2LOaQnOe0ouaOqOW5
      vywzMDAsMjE3LjUwCjIwMjUtMDMtMDcs5pCc57Si5o6o5bm/LDMwNywyMTguNTAKMjAyNS0wMy0wOCzmkJzntKLm
      jqjlub8sMzE0LDIxOS41MAo=
      """
    ),
    (
      "huffman_only",
      """
      BcFBCkUxDQXQedeSlJvk5b//l6cTHdWCAycFpSB0AUUsDrqaproLz4m//TPa3yn+/Y///eGvdP+4zp/+878//YXi
      X3/+71xJoc4whlDUdmePMs7aZAAJkB1Joc4whlLUdmePMs7aZHhJINmRFOoMYxhFbXf2KOOsTSYPCTQ7kkKdYYyH
      orY7e5Rx1iZTIYFlR1KoM4zhFLXd2aOMszaZfknwZEdSqDOM8aGo7c4eZZy1ycxJ4NmRFOoMY7wUtd3Zo4yzNtmj
      JPhkR1KoM4zxpajtzh5lnLXJnh8J3uxICnWGMX4Utd3Zo4yzNpl/SPDNjqRQZxgLKGq7s0cZZ22yj5Hglx1Joc4w
      FqGo7c4eZZy1yV6QCLIjKdQZxqIUtd3Zo4yzNtn7kohkR1KoM4zFKGq7s0cZZ22y70Mimh1Joc4wloeitjt7lHHW
      JgNIxLIjKdQZxuIUtd3Zo4yzNhleEnmyIynUGcbyoajtzh5lnLXJ5CERz46kUGcYy0tR2509yjhrk6mQyCc7kkKd
      YSxfitru7FHGWZtMvyTyZkdSqDOM5UdR2509yjhrk5mTyDc7kkKdYaygqO3OHmWctckeJZFfdiSFOsNYhaK2O3uU
      cdYme34kiuxICnWGsSpFbXf2KOOsTeYfEpXsSAp1hrEaRW139ijjrE32MRLV7EgKdYaxPhS13dmjjLM22QsStexI
      CnWGsTpFbXf2KOOsTfa+JPpkR1KoM4z1Q1HbnT3KOGuTfR8S9exICnWGsb4Utd3Zo4yzNhlAop/sSAp1hrF+KWq7
      s0cZZ20yvCT6ZkdSqDOMIRS13dmjjLM2mTwk+s2OpFBnGEMparuzRxlnbTIVEv1lR1KoM4xhFLXd2aOMszaZfkkM
      2ZEU6gxjPBS13dmjjLM2mTmJSXYkhTrDGE5R2509yjhrkz1KYpodSaHOMMaHorY7e5Rx1iZ7fiRm2ZEU6gxjvBS1
      3dmjjLM2mX9I7MmOpFBnGONLUdudPco4a5N9jMQ8O5JCnWGMH0Vtd/Yo46xN9oLEPtmRFOoMYwFFbXf2KOOsTfa+
      JPZmR1KoM4xFKGq7s0cZZ22y70Ni3+xICnWGsShFbXf2KOOsTQaQ2C87kkKdYSxGUdudPco4a5PhJXmQHUmhzjCW
      h6K2O3uUcdYmk4fkkexICnWGsThFbXf2KOOsTaZC8mh2JIU6w1g+FLXd2aOMszaZfkkey46kUGcYy0tR2509yjhr
      k5mTPE92JIU6w1i+FLXd2aOMszbZoySPZ0dSqDOM5UdR2509yjhrkz0/kueTHUmhzjBWUNR2Z48yztpk/iF53uxI
      CnWGsQpFbXf2KOOsTfYxkuebHUmhzjBWpajtzh5lnLXJXpA8v+xICnWGsRpFbXf2KOOsTfa+JI7sSAp1hrE+FLXd
      2aOMszbZ9yFxyY6kUGcYq1PUdmePMs7aZACJa3YkhTrDWD8Utd3Zo4yzNhleErfsSAp1hrG+FLXd2aOMszaZPCT+
      ZEdSqDOM9UtR2509yjhrk6mQuGdHUqgzjCEUtd3Zo4yzNpl+SfyTHUmhzjCGUtR2Z48yztpk5iT+ZkdSqDOMYRS1
      3dmjjLM22aMk/s2OpFBnGOOhqO3OHmWctcmeH4n/siMp1BnGcIra7uxRxlmbzD8kH2RHUqgzjPGhqO3OHmWctck+
      RvKR7EgKdYYxXora7uxRxlmb7AXJR7MjKdQZxvhS1HZnjzLO2mTvS/Kx7EgKdYYxfhS13dmjjLM22fch+TzZkRTq
      DGMBRW139ijjrE0GkHw8O5JCnWEsQlHbnT3KOGuT4SX5fLIjKdQZxqIUtd3Zo4yzNpk8JJ83O5JCnWEsRlHbnT3K
      OGuTqZB8vtmRFOoMY3koaruzRxlnbTL9knx+2ZEU6gxjcYra7uxRxlmbzJzkRXYkhTrDWD4Utd3Zo4yzNtmjJK9k
      R1KoM4zlpajtzh5lnLXJnh/Jq9mRFOoMY/lS1HZnjzLO2mT+IXktO5JCnWEsP4ra7uxRxlmb7GMk75MdSaHOMFZQ
      1HZnjzLO2mQvSF7PjqRQZxirUNR2Z48yztpk70vyfrIjKdQZxqoUtd3Zo4yzNtn3IXnf7EgKdYaxGkVtd/Yo46xN
      BpC83+xICnWGsT4Utd3Zo4yzNhlekveXHUmhzjBWp6jtzh5lnLXJ5CH5IjuSQp1hrB+K2u7sUcZZm0yF5CvZkRTq
      DGN9KWq7s0cZZ20y/ZJ8NTuSQp1hrF+K2u7sUcZZm8yc5GvZkRTqDGMIRW139ijjrE32KMn3yY6kUGcYQylqu7NH
      GWdtsudH8vXsSAp1hjGMorY7e5Rx1ibzD8n3kx1Joc4wxkNR2509yjhrk32M5PtmR1KoM4zhFLXd2aOMszbZC5Lv
      NzuSQp1hjA9FbXf2KOOsTfa+JN9fdiSFOsMYL0Vtd/Yo46xN9n1IfsiOpFBnGONLUdudPco4a5MBJD/JjqRQZxjj
      R1HbnT3KOGuT4SX5aXYkhTrDWEBR2509yjhrk8lD8rPsSAp1hrEIRW139ijjrE2mQvJ7siMp1BnGohS13dmjjLM2
      mX5Jfp4dSaHOMBajqO3OHmWctcnMSX6f7EgKdYaxPBS13dmjjLM22aMkvzc7kkKdYSxOUdudPco4a5M9P5LfNzuS
      Qp1hLB+K2u7sUcZZm8w/JL9fdiSFOsNYXora7uxRxlmb7GOkQHYkhTrDWL4Utd3Zo4yzNtkLUkh2JIU6w1h+FLXd
      2aOMszbZ+5JCsyMp1BnGCora7uxRxlmb7PuQwrIjKdQZxioUtd3Zo4yzNhlAiic7kkKdYaxKUdudPco4a5PhJYVn
      R1KoM4zVKGq7s0cZZ20yeUjxyY6kUGcY60NR2509yjhrk6mQ4s2OpFBnGKtT1HZnjzLO2mT6JcU3O5JCnWGsH4ra
      7uxRxlmbzJwUv+xICnWGsb4Utd3Zo4yzNtmjpILsSAp1hrF+KWq7s0cZZ22y50cqkh1Joc4whlDUdmePMs7aZP4h
      Fc2OpFBnGEMparuzRxlnbbKPkYplR1KoM4xhFLXd2aOMszbZC1J5siMp1BnGeChqu7NHGWdtsvclFc+OpFBnGMMp
      aruzRxlnbbLvQyqf7EgKdYYxPhS13dmjjLM2GUAqb3YkhTrDGC9FbXf2KOOsTYaXVL7ZkRTqDGN8KWq7s0cZZ20y
      eUjllx3p/w==
      """,
      "@csv"
    ),
    (
      "far",
      """
      7Z3LkiVHCkS/lYDNmM1y/t9UGec4ebWfZUptrVJV3XzEAxzHIU5NVU+fPlNzTteZ5+vp7qrn73P+vl/99/Xfv1Pn
      7/fq/P15fvXvd/6+8/z39P3532f+fvHvh39/uMzzob9frecOf1/+XeHvN+Y83+77vXuh5xJzr/l35f57jvtb/fep
      eh7w7xvPR+r+oOc+5Tx3nefPc9f7f8Xlz3Oxv88+d+Clzn3uv3/PvePf+zzf6eGqz4vU/eJe7nnMv198Lvx86Hmk
      OxL3yf5uUfeR5xmv5z99L3pvW8+H/x6wnieb58+5z3Ufvbzb31g+/wzfe/55rnofmIF4LncH+HnFc9/svgt3uFPx
      fObcZ5nnpvW80vO7mYZnBO609p2I5573Es/b3cm5I//8c3ivO7PPx8Yvn0s/Hzl8cf/nebPzXOoZ6MMa6bnvc+fi
      3qRcPuWk3us/i6bvkN7JeIb8PvPclfRc5D7cnay7dp7vPkM6/PS58zNDdzXymkxu3fm+o/2sFZYVy7OYvGEQitV2
      l1Wx8OoO1GG13HeodiwZwDtEh9VXTnPuwMjcp5phqzD1+cyd9meK7qJiazHq9yL3cs+gnbv5nscf9ttd3ay1O9+H
      RcGqfpbuHTGWVLPs7pZ8nuKulTs4bJA7NcPOanf5c+G+K/e5zf181X3mZm8+73o3uhPAhZ9fcjHdVXJXO9Pg0rpT
      3w5quZ7us96leC/Oysm2mvs07qDnYe//1n1JNsS5y+sangzjuHeLTVds1+cV+pqGZkGwU55hvWuDzX/fhRkeFvOd
      Mcf/jEZimPHnEXije29sCS899xN3GzEevO81YnU38LmL4HmsZ57u5N/3YZjvvseE3Mccds1gwZrnumuqXa9sgbtT
      Dgss1627GIo3v6PxaySeqZjKm903z2hiBRmjuheaa0PvEmKEn6cfjJgb/dyldu5yzvzdN3lm8z4ow9yY3NI8Pxe+
      ruba+DtgdzuXv3qv7YPc6by/fQcAu1qZsmc6nwWA53FO7u/eWb0TeZ/lrPO674RjuE9QmezW3xSDeo5f3cm8wzas
      M7YUFuAwqXfhPKNx5+x+fTDld8h3Rd0Vd+1LsR3YxDG8d/PhEDHGd01fh1a1y+LamfvlYR/Eed6FgNdt3uHancbe
      4fhKQ3ndSx3Mhrdlug+O+4798527oq9LPEKCZwngZp9BO3lhlvd1672WMfb77uxnREpHOoIN1p+27PqhuxDvyN3X
      jrXRwGM1GT5sJzbq7hE9MmZzuFtno2Oanjd77s720Hfz+bm2f/jLJy+W0TWx93W5+zX9B+dyZ4MJwL5huLAZdZ1K
      lf7z+v3Di7BT+qxna7ZZcVEM7GAm7p9rYA+mtBiE67m05vzmNQFYoPvB+73rWDB2d2udQCKcLOAJj3EnqHSB1zGw
      mO44sqvYFFqGu7SzFdzQdx6u07rL+lqHHUX28QVGzTw6sc3U4ALudDSziYcViLD979LDhRbPftFKnA3Y1Eflu3fn
      DXjsgNcK48SSF0bc9XxfZLBsQNzBOJ576XZC3Jmsi2sk75hj8cWzxaSDj663xVBNHNoRDB93PQ6YB524XexO57mY
      67s/WHaAT5wIIObgDAGrePy7nppV1uDBYqpxxtyetY9zvxsdyOkr4GO6dpYGs8SjiY9rcFS+bjEsg/sdsCObB6wK
      MuGXGpAE2BjCg+rdEdNZUkBArE1nL7fGHse9Bhhbxea7i7gNYe7cX1d3Sqg8mLz7bIkiGvd7HwW7MrviMcWNz8Ot
      gr3uUhow2x2kxrBfxwWMOOBgg6IWfwqWsMGsBeKwa48K+E4ksHe/oO/4kI3FZ0JuPAE0OoZT2BrCmwLAcNu7EYnv
      ymG9dhLQCbRsgayApPTDg2fgM42/dlkePOSdWVdbjMxrUJ0wPDUx2FQlXGjf/g7aGOth18B5hzFm6ghZ75wTZwwx
      SmHvr8e/D4LluQYZH11agJM7YUbGCOokNtWNMxn309lAg5PEwIIuiT1ZDWyCEoiP3hgcu54UD3ltEj+8d27c5jXF
      /ugaDocUezkJrgnGipWKASdOXPONi4wvvI+o5S6WXGlij3FDz4Z0rnMQ3n0zTLWu2jDNCOfar4QPBjiEmFhC6IW7
      TFvDCvDAtOHViZCOi+faFKY99uOIODDwoPTrK+/E3OVWzQDzcTZPY8E7mIp9x8y3W42teCPiqWwtUHcAXvEKOHIs
      /l0pA8J0JBqvaJB//wfcfBLBXhx2xD4uNV0CC44pAtYx4gsHxOgvcDeWn2NMiC2qhKCxq1ViZVCPIdz1x4aLGK0R
      hPqkDAk47BqmZg12XrnLV78zUIQhQKfrq3Cbi2zPfZ0mGGqjR8yRrASh2d08mDg2IF+BHMAJ0j3XmOHbQQkHhHMn
      encplAAxdZchFliyx7FhQQ7UBHv78CDDNGkSSgRZWGB9I7TWcQ76BLsLzoLuJIMuELtj4G7EZt+vgh6E713aIqKZ
      o1uc2uiY4Srshj7Z0Q6M6KCgiv+GWYIoAXIU06pXA5Qf43OB8nkd5f0kJoMphfZq7HEBLmEGLpWi52CRnPg5PDN/
      gaQr4TjbCxsP+XMdUGDEEDGuCdZAvBdka0KMaPd6HFK2VAWmA/hasnGWBzhCfuwULh7cgm/AuGAnoaW81t3zBY3S
      Z6MpAyCCdx/jRjSuqQ16G/PZojWMPXcZY+0xNOQ+1cYSGMK5pvkusuvj4cSwkfrG0RDcFVlyEtKS7BUC9M4YF7xB
      i/EIIlytuIgzL+VyuDE2/mfGIaQI0LnINROVAWNj3eEEi7g6meaAxjpiPOkbGACIM2jEO2DAPPCfVvYlVmqtT0E1
      A1AcxbshicXuBTcUOLsQSwwDbCVUNEDhmwQ7L9U2kmW4KsEfwBqT37DTDWfUok02OQ8yS+7uz5w9CLnCSF07dl+g
      el0cwYEUoNGIXg8m2d3codhgxHCnJ4tanuKs98c9cnFmE+8lxuZ1ZyPSg5fzuoP34v3b+Ove4e7OwopiWmCD8LAg
      hjucYfGFS3c5LmockxeiE7gSUcYP9V5uySXTsAgAy/tYs7Abhg1vle2h1WkgZUs0QoXwUIbHIk22cutfMVIAGWbw
      hAQeDcLIeQfjMWIstZhYiCHe/a7GAAlX0NEXDcbv4MqPt7s+E4MM+mLRyt1Am/KgLU0xhv0AGNYSHHtCjJbpIgLB
      3cuW3giSq4vMdKfEBO2sV2++pGFZeGWwgBTEBtGwoHpbCK/7jLHsmjwMtmQ+SGPelBCw4K4AAS/LGESiFzDCgITD
      3uD+gTZmRhLkkDWReCXUBT+V4TMkXW82IJT8XSjAhJCGcigTMIgrdCwA30ClMVwQXpGb8NbswUPCbdnw0mL4zp2J
      A605Oky8NoM491RcYohYgXmXKFqWTZ6sXVMHTqkS2JI9POwzMGTSPhPiuzOGx0QhMywIJpy+2JkHIY4/m+w5Gkoo
      dWmhSe6gYQDYFNhfqO/p8GqjyWDHgLMbay7r2CMZAa2NZYwTJqIE1fA2xlWHXUNqqYhdDFe4KR/2g3XORjimRc6b
      lSLz0fomRoGQqHf7dfhnU4bAAMNJZgBua5LU0Ppu/GpUPrBDOBO54V7WuLVnvou0Ctt8l8C49ZhXckLQDhpeGMja
      yFU0VOGWoXKSpryuo+WvSTUeoYYwjQ1ShpDcMGAdAsn1K+vWji5rhSUU6pBhw46TaoUbZveS/Uq0zao6AppEA9CO
      cPAwDBPI7kToblyr2K0jgPZWBtit1cGJQdNV/7D0yfbB515Iw11O8ozmJMJF89yAVNMaENhkWbo3sQTGPnK1+Kw2
      C2veVcYyqUDpZVIPN0iskNXHyCUxsMmQReuYEwC5kfeyqmTKRxhxki4xtm2Zoco3kyAwCCdaxZmQte/s20oqHCMF
      ZQJFIR8G1MSSH/Luo//pChdzSCZtPhtSdL26pkKsKsUvy2qGiexpZVChctmaOmCcOHAoEXymOloA3q1Mg0pyZENE
      EzExjAVILDUAFeKpQ5sa9oJOIcpNBW74xjPE8pj9xF1jDgqLgWVtIBSxMBlwNQ5jzMK92P91lnrslsJj5PDWpebA
      5zkn5quMGM2HlCKTwN1OSBfkBy/TEigTJ2A4k6QGPpeMaHKd5i5OOO2jPORFTCJ5MgpMhiw8PjF0DRFZS9YKwo75
      ghPm3SRdsW6QdMzKK0Icq5SZzSeA4Q3WzYwSjEwWLagHCJP09D7IXe3HyLcBxGyX5Y8IwHUEqDT462g5lkwiVH5l
      IhgBaLrFCmZ7SF3LQJq3iRE6ovLBwfeKlnDVxdwaxZGGMa/I+N2RTAoBnzzrQI/seKbwJ5Q4YKJJDGMSEXpUMUIU
      T6u46CRLMeZZleTJgSEqOkDyJaE5Mu5CCt4Ro3Kih5CIaZEpcikFTa39LSxPJXAIU1zobnCdUXCE3NDvQdFNBaER
      eCUTDJSSqTrYGa1EEFms8mw8JPF1hBljwq3MppaEhJNS5hLVPBH+gI2uu1WlU3HlSSL1y9PwckgeGDxhNQw0OWdY
      +ZNwuaVl8sDScnmLUThnyJuURu/G6F4xB2EjfKg+aZDfBDiAytZeYJTvWutlEXC3Zs8rtKrpYKIyIeIrakO0gTcd
      0umyNzxDwk2hWkVQkWQpwENmCEmfsZ0jJ3/Uamiy6DHKS0KO4pkuN4FZaCgvExOTAAqMTjbH5ZbkpUaDB1ncH8Q9
      koAg7wqv80PzTCggQmpCcd2U+ZsOx3eSOD64M0kxRXxv+BuNFiH6JBxKyKdsSLFhiemRiJm1xxrp6CLrKjUfkoVq
      BJNyjgLq+g0VLFmCZcqYeXevgrnDfVSfH+anTRrDVouQHNtK5J1tJjEY2VeUUeyhUglE/vKomnMGzbiMzq13l7NP
      qpJWJ7CPoENQXlKWmqVKKrrVUJKTCiEP4eHaIIhsvcO1EJGFJlwOFlM3dd2GCQdldeR3zpuGrxPyNGTjarCOsZAy
      LsJ2M6uV+ZM+7VEyRHrnqK1so+Uxx/8iN5RRsE6t1MI4ltEtKVdQRfLZbwiWpRoOlJyPxC+BdG1Q99Ig4EDZkEOM
      lGBZsRLORw1xB5CgqiLGFx6PEUJDHZI+JlMBnYERQGsl518SwWUu1ZSyQSqYYllPcu2m2RYUh9AIpQSAPyqb8iAh
      GlApxdoYTSyLsPIvNAkTg/ISHGSvEcl2yEcZnpET5KPQhYqkpmSSTegymyt2OAqw1xM3ApoJ70kG7RiQBJrzSq04
      8yjjxmOA51AymLuITiXSA3I+5h5bCEHqPO6FcJUIEQlUmwiMiFsJCIIEY/VIZQnkjZjFZrAlRzuIDY7sG/EBbkEt
      ESncBCNt9FbvkJfJ+FespMYkvNGmpZSTsIoAg7MEYiXxzfJWIi2pM1F+Zoe630sWOtsDEe0C4WM8U5HGqgLsJDGA
      Dx1cCHepKJZoHo5GoSt7QZZRshRbfMLlHkNrsbFgHQtFRKAES6TQai4MtWpx8elww9wd9safHrECsRgBLoSkArpz
      XJ66S5ZKKdvIkifnv5IBkjBEJ5Ebh300pTsnFNiymfrxsxK/sCGz6sZ+dXUEn4KxMieKREVAKvUoiOioD6UH94Mb
      tpjT7fpRHScsZj0j7XxVk6zsNh+raBA7T9Knk0Q5/coXl5xOIGQaeJIi3MKGWV9OQkHUgNZPk0g6KtkGY1nGBnfC
      NPWrJwbH8a8Kzw7NhjJF1XrqL6KYw4OPoXrBpomteElFwyrqTC+NVgYq37uXpkSpr0lskJU4pg1rSLuhteIpJHhE
      HVFwmvWSeVJkbG5RDSwb1/2QohFhe6U45630gOJPErwsA9gEH8u95GQr4j2MMPZVQGP0YwCp+lABlYxu5HuZ3JNH
      0LoaESlvIKbV9Kup2NTlj7S1knoYq18ijFOy0FExcqXYK6ZxaQ1QjfU3ZwX+sA61y0i6a5Tpmxwwd2GIgZ5GZlya
      M6LYYcAqWFqlG6iSOCBiebkRndiZ5YX1UsSgKt7Fj1GcJVUOtCUaqggXTA4xIDwQhKQOtl15HbIINqnVNHeEm7rL
      MGl6dqyAy8LM6KRsZnqjfT87KWxJTrOjHoWZAUS3rJcpcaipFHqYXEsuaVd0hmZzJKdNGaHlMMcs6xk6Z1NoGSrh
      /6YCxyoMhaa4ODbnli+NlVHJxrh+O9NigDSpMxmFhaEakx9MTdsJl1S7W0IYSetGpB3SNIJlA9F6ZWqj1rSWDLYa
      IHD5SFUfkyqYzezHEEM/Kj4zQ62C92i0zOlaaMfSiJApFQMiXmKPuLaDpx0ZKVm/WG4lBlDxKn4V6Jg5sHrAoqPR
      PAHSjzDQnAlGedNyrdZVkb3JBx5uToi+aHPOsgTmlLAuUJWmgIF5imyInljwiVq2PMwqBylYAotoZ1r+1oozSxwr
      AgZeZN7KG5OYgu6OUlFy3cBIMvHUcjPnFS1WmMVKZQZc00QvOZv+hI04WyO2j7gaLaPC02v1ydJrHCN6M3Oe1GH3
      UkBYUEOzTvwsIMbyy4X3K3WN/0oln4odpQVzdp1tVCQnGerI2WStKH8h8wZnb1qoHHaWZKye1Z5qVM9qectagyP3
      /qP3taanI48aiZcEEWJphGwTWHZcLptsC61m+HBi0ZUbMX++cVu1snLKUyuLmOTY7/18gni6ExGXUU+camfbB6BF
      8tnZtnBwHcGmASC725R2EtLJeqiznE3S1ps/wm1knRgYWpQIOxBhz6YpqxJVSSGoqozn9wkC4M4u7XJ1l+og3pI0
      IgwGYPEEhiV3Htl0yPjIrcwIVSqPEFbEC20CTBkC8cLIrZU5gqiwAcZCOIo6ecZwNFnbEGEnnxMrHJMHLtKJRGFW
      BiTpuyljbXOnnDpSrBONUrnmXrFhb8r8nChyQqarWcO1hvBP8ZJRdm9ltIzpSdLMiapVJkA/d2+4FZlQJ9ETVjVC
      kYTLbfG3oi98QaowMeqR3WS7Rlx0TBxG7GCiMiWvszSZ1IIFf2DgPm8hqcUynRScujwgoMUeY2UhIUa/G8FV5GiM
      wtpZDd4Y3pU5xN4s81byMi0VjxvZjjRRGQ4tAjkhbC0rlQQKcjdPpmAEpFdhb85JeZ2VXfCvJ549zvGoAq+UajOT
      Z0UzFf0iu/FsVT/iSGIgJ9dtNC+PX2+RxATYUzEoDJJTOon9+8VZqR/qV5mcAqhKzR1Ie4MxUyBgDd3wyBzro63L
      NrURFVJP9KaKD8u1NJF2T8TvUYEki7xSuK3yOqmf6bNZZT1MfJs8ytQr05uoVACwUVgGgPzQSEeM8MrJkzSfAJ5W
      8FQhyY2I5m2esPFkyoLVCZywPqH4T6WsSSNoYrARLmBG13tVih+xjRGfRIbRv/X4qoTQErClejI55lySaEwYOVYX
      sXNmVwGSTZXU9gNQfzObCllDrxLrWD5mjhmdf7oppB4kBHa96SijzVQzYNVYPJbuS8BizdYzWbgZKYm0d8m/qA47
      b6cOK/mxD3IgEftHM7fq+YpkL9uX4B6sIv9K8DxRa6vW7RhJ7LE+LKkmn4DldqyVBJ5UOD/r91KptAq7s9Gnue8K
      NFcyGpoDtr9TOGc2vpJKZe53UIVbdbbg23w+goJJhU0LZixm6loXb/WNYrCyBHGLgmqSYppUYXSlfOpH126KJm1Y
      iJ5g946cuXTZb7+JigjcWnA5hAWo7GefP8nEtqMDhSLWIYDekvhOSbngwqoYQGBtjd5WYEh+EzPNqsT7R7FEOYnl
      6uLsQC/w+CagSS+gHJo0NImDDeSxBvScVC0k8Ryhf+BPkPSrIkiAW1slcXYK8K7Q6wRZUmHKuVIkEpnSmOVUyx7B
      7hF/WOcwqd+af5Huva1PklklEbYk3pg9ERC2CuaKmr2tUwBQqNy0WgZ1YUTvtXXpKk6Zv7OK6FOR7kRqMtGIT1IO
      duQ5qrRSG75uuCN/hCwvN3cBEsgoulFMOU44roji1YJuSS5SKLIhSq5M+4peYbzIT+DlStnKSVGhGdAVicgqtRb9
      bDSceTL+S27wdJqrRBW66rpa/kxjZYHfYh7Wmi12NKAbzlmkwHjzqbIVkuoQO51YeJbKkZfPFbVAipDkrGRe5myW
      IDAixVwdTeTYeqNSYZHq2FE18tOhR8pTcJOU5lY4dx4lRDODJIlUNqWxkGZSlDEBskbm3MpkZS13Z73XSam9OCNi
      vt6sUVmHD+qGCtjE+knGvJVj1mYLFROBWg0gXHMnQXKdrfEKDSFlLPhNVCOJZx0s+FOaj2kmvQlwjP5M4yBPdEwJ
      myJ1SqVj16q21b+yM6YZ5LjD/KURU6hTTPtqHuVjdW3JGaSGdqzVD52u4itEycZvZ/bFdW8nQs82154HMbh4VcyR
      4Wz/sNiP8AD1ip0DPdNU4KTlgtNl5irdOIx2gXmbSpKesyyyo16Q84iFtyvXMTSb5G8w6EvqTOp1028Ir4YMoOMp
      NuGeRPXYPYjINNUVmKegQrM0RGB6B3VXBmdjkiHV1IsBcYjKPElJtIL2cGxWYEb0VmkbltKkt4VExx7/lIqGv0s7
      kmgm2bM/OoZgxwDfo+QkPakIxdizq9JbwixNorpeKjHtqdTypqeOXSSIoTKpZM0DI6I4BdQdTd3q9CgnTD4wpT2W
      w058S2+epi2MN1VRaWYQBm/DqlmhudXMnRxDna17LzGP9c2W5iscTDmPMeJJm4qt0HulaQvdGZUxse8Y1lYUqw62
      Aje1n61Q+C3l6u1jAJiXHAzNiAI7qjEtURpzBOK7UpLMVzWaFmq9sFtuTHGWdmtsPmLXDrRz3PhllwJYj0R4R4tv
      IbCapQnUsbOK8i2TkPIludVb+mQ6XWF1El9WecExyaUpsTa1MYq/I7Tt/HakTSel8RHu8/LJ9ah6ne0loPTrvDyn
      JeQJye3JYln6qNedqK+DVpNOT2yCXlDy6aQ4JkmeSZe0SbufgNdWkp12WPXTcgSLOTKoSsnFKFttPx1QaiU6Lnus
      gDyTTmhj5oVCXftBzZtcrpUvRV479VNdl4JVZ6cniqrQMkZL9dbVSDLLZFa6Kim7mOTjW9o/XWakWhht87B1NvgY
      LWdl4zqLlp6a3TL3vHMJ+l0FF9tfxkliTXVyyq/TtdKMZ1qjQLBYAz3hKn6ybRFjRHSa4tS0BapVT5naSqGWjUP5
      nJaQeQfJ9w+DfxKmx2VKiynLRbiSJk3ZFBPIyiXJH28nmviNRB0JO+JcUuYZCnnzZWcruGfD5WMKUIWrChS1ANY8
      9IrJVhW0ivnpbfCke93mD3ISAKdJ+6OjKcTVd2Y5AtyxNeDZFK36AUX3J2Iqu1ttUzkbFzrzKbCct9FJsi2S6b3F
      AlvKnaxWq6U4ygQs3pZQMLFQMvkWcViVJ7kUwtuvbWOkFYBRWImVGNwK161snK3jslmFxTxy8eeH7Va7GrH10izC
      CMWbJ1pvFYYpCEm1HjhY2Knxs2XRK7KmQVpkR0mMWetkJm1VRLUlOZM6kUj3bP+6bd9OuohtnYQ9W872OXWXhNuW
      f9kqn62LslBri6PMBoTxlMpPy9x0Wayo7dOqKbUg6fCadqMLuNKyrbf7Y+Lv85blnq3aWas7SfqPVUCVhgtKRzar
      8XYkFE+vpuetYJBctmFmTaQ+E5WSqSrNO3toKVDzTdVbPGTUv9051EptCKPGLhoPoZ2BXP/ACF62flSHZ/vvTTJo
      9gytF/oaxqoGefncSJrKZl02NEo+JmSWFT9ubVXJkaCfjQbTfeFttMKLVIROChO3Yjaty5baT+Gv8fPURh2mtxJM
      xdrrd806HQUSETWHf+tJbLerpbZf1gkrHwl6bUOseXWTlrOPYHK7U7DW2gKu6nQYsOehhpRKfcuJFPYr8kkwb4+1
      10KwI6M5PvbEVAq0yYN+29gmRn5lnhP/q4rF1qQ7tMd7KZCL4FS2OtFp5AbHJWmblfPTC9gqC/P1o1Q4GQ04V3ub
      gODmbNy3pa8VNCjy3eivJ8qlFPLRquikrC9JPld3v6DKwrXZkCgVWggFOiCs0sonfeXS0vhstwazOmf5JhFxJBJq
      iici1pSC9jIYvd2trPVOVweZoVGDp9ftnlUmblpy+86GrLVKd+otwU/tZc1PPKrwsLaSNb28JwjAFQ05ZErNt91e
      cSbi0m9Sxk5NRgTjaeOw9asusFoSCVrBZs9bo/4ScN6FSujuiJVnW3aySMwu6EXAAMzNSYG4wvBOP67+Vxp9m05t
      EWlHlvz2bQq5oZpmCysrLWjYCz3bfNKCnQpIKMskFANV/cLXtLrJp9PqG17GXmiz4k9qSyK+6BNZl207egszJ/dX
      FtYvDW//7gWz7pOkwjqyid5quTSFfVVjKbg8EWQY5lWEienXybNF8fHDBJ95s9m17RDtOnTkZ88ro5EJNTVbbgaV
      H2lpcVKWVem4Z7+TFOWbekugaLnxkEw6qt1CsvdbdGLAJ+7SFppuMbWUhsSdopy0hEzapROSTUV4V52V+1N5POmg
      0NF4m1qxvESB+xLR0mMxuW83RrW5IJZjV47tM+ngR+7cKw63xUGOdUih7dLiZfGys5SaMUU0NWnvlpbwaXamCHQB
      7Qn1oE5acUD/Ft4Fatogxy4oGZMU2klxu2vSpCXCfpPd2+tZcfvWznp+gTCCjM5JK9wTIxSmY8v5yIfY2WIW0/Sm
      x61GC9Tr7GOl8MAIM26xAnQdPVqmWixvIGhn13nrdLd7k5naU9ssO8VkCfAn3TXNWK5KfY/GCEpXMptOUkFmu1Os
      WEiW3jTsLOpMn2MhToqFghOVOasHSZTY27p80ryeX05mJHyDnnHidHAkZnXSbnKsyNnS9J8K7hwJsTKIPXBjOwu3
      7OfM2945xdjWjKldsl/xVL3+PE3BkpmyUiDtMfcQgPr1FpETWRZjnhr8OVskBMSzqXmlSYqiaPMP8S7b2bXTCyBN
      unAuKbBNtVpQR/pOpzuuZSJdW3SIM1M00Z1DUWwd1dbW+CDYVvs/SauFBE+4lDZdKcMxi5cOiydbx1rdmXVFdnVT
      l27330nXYpXGhITjSQw4WMYkXX3PajKNQWeLfND7u0lYHx7nondRKd2p87b5zVoTazQMndJlulN6Gm20SCHZPGQk
      BGXbtn1s2BC9gFY07f1UwkrVmM60StLmMaIeUVuCuO3FWoFD0fS5teDVy36JNgxXegaMqW0klgU7aRbruSlp5Kf9
      qp9qcR25vbXeozBm4+8lElWYL5To7Rie1ME66U7HzKRF3hNSZnWzXkl4o/aBRGnU4q8yw2jPHrCsiaU2zgkArd7u
      FZMCFUtL9rbQwTWvRMxspA0gtv3RJCW8HmfeJmWW3iSfoiVVLVUiU21BvcrK7d4wqj86nW97pQk2nKy0zZi0nDU5
      aIXy1I80Mk1pt/grzFdVYMHWUaxKpa0Cttw/lSrHUVN2U1uBG2GIwd1Jq60TGDHybput22Z26ea7x3zYg6T2aAm7
      oB4FCaU4NoFnegw58LVEYJpbbEMvu5q9mbs0oz85GCliIsUb5L6PEFjkBkSadF1MP5CcPRFx/fnpgPwWXy/1WVFi
      nZSOs9KlSSol1kfdl8G10o3UI4891s4WOrc5pGTSc7ZA7SK3nsOeuPKvExjBC2+n3JAbaS+XRhJJFuX4rEkvKpsu
      pLfFTIDuHpwkCXFs2WdMUimX7DTMZLvN+cmqdHjpKPD7tdYK0ZPQHxOzqcXsZKRVscsipWdbRTj1g0NOCr88csTj
      r9TDm4sVhfyo5VK0Z6JsUluXNAhCh1EOn1aeVnJWXERycGk7KsZaUzcpusognEQBO/Lzc4RXmfSN3CEnw8nRJTUx
      kWEUe1w26qdMefZEFHMss1Z58foiCDPx9oUTFyzzOBU+3WX4Fk6eqdVPSqB2jsKx59oLmjzEQZlJym3Tf9S23Cfd
      /5NY9kycznbrbVpmoWzlQCSxk6309/QcWVgbDXe40d78ue2LlEG9max6pf7WnthnowNebfa3GXDLZjpyUwVgOYZp
      T5NT+cQ6qy3Brm22HAL5PXAmVNFEw29r7rck9LVyJ2TS29laUqXt+GGbNelRrdp20AqfsI1qtpGJOLfDwJ75kdUr
      DEqhz8kJeu5gxzjNG8ta9x9EawyjM3TrdVRdkZhpBoRItUm6Vb5YC7Xnx5GHT/94RD5JF0uK7NErFpR6ugpuuATW
      r3vW3dthwoKiBDNRWFQibLXUFTRiR4xT4Q+308FWl/4eD2ki/W0OPtt6/mxLXyUix7YAPVstm6Mr9vSGLT9Pvcjk
      3d0m5mXsBdFvud+cFcaf8z7I2S69CmI3rV7pzHh+HzBK/hOlWalN9fw9G1JNDqE78Ry921GCuwQqlXAx0YVlvc51
      FGDHmEqR+Xts5o/o/hX+pFTdaqO3Pa1zfjplijZpadup2wK838O+Tjrwn18B7RZ+pP9kCEGBi75jWZWcAyQ4sfdN
      DrmpU6/HkEyJPE1J4smHjdhzQGf6pqQjy3Y1qT1lsnuPp6w9z6tUR1b0qxVJhI037MaWEw3ORiBbf/hbYfmdl/qd
      l/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qd
      l/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qd
      l/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qd
      l/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qd
      l/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qdl/qd
      l/qdl/qdl/qdl/qdl/r/OS/1f/Wf//4D
      """,
      nil
    ),
  ]

  /// The CSV text (Chinese headers, 120 rows) that several vectors compress ("@csv" above).
  static let csv =
    """
      5pel5pyfLOa4oOmBkyzngrnlh7vph48s5raI6LS5CjIwMjUtMDMtMDEs5pCc57Si5o6o5bm/LDMwMCwxMDAuNTAK
      MjAyNS0wMy0wMizmkJzntKLmjqjlub8sMzA3LDEwMS41MAoyMDI1LTAzLTAzLOaQnOe0ouaOqOW5vywzMTQsMTAy
      LjUwCjIwMjUtMDMtMDQs5pCc57Si5o6o5bm/LDMyMSwxMDMuNTAKMjAyNS0wMy0wNSzmkJzntKLmjqjlub8sMzI4
      LDEwNC41MAoyMDI1LTAzLTA2LOaQnOe0ouaOqOW5vywzMzUsMTA1LjUwCjIwMjUtMDMtMDcs5pCc57Si5o6o5bm/
      LDM0MiwxMDYuNTAKMjAyNS0wMy0wOCzmkJzntKLmjqjlub8sMzQ5LDEwNy41MAoyMDI1LTAzLTA5LOaQnOe0ouaO
      qOW5vywzNTYsMTA4LjUwCjIwMjUtMDMtMTAs5pCc57Si5o6o5bm/LDM2MywxMDkuNTAKMjAyNS0wMy0xMSzmkJzn
      tKLmjqjlub8sMzcwLDExMC41MAoyMDI1LTAzLTEyLOaQnOe0ouaOqOW5vywzNzcsMTExLjUwCjIwMjUtMDMtMTMs
      5pCc57Si5o6o5bm/LDM4NCwxMTIuNTAKMjAyNS0wMy0xNCzmkJzntKLmjqjlub8sMzAwLDExMy41MAoyMDI1LTAz
      LTE1LOaQnOe0ouaOqOW5vywzMDcsMTE0LjUwCjIwMjUtMDMtMTYs5pCc57Si5o6o5bm/LDMxNCwxMTUuNTAKMjAy
      NS0wMy0xNyzmkJzntKLmjqjlub8sMzIxLDExNi41MAoyMDI1LTAzLTE4LOaQnOe0ouaOqOW5vywzMjgsMTE3LjUw
      CjIwMjUtMDMtMTks5pCc57Si5o6o5bm/LDMzNSwxMTguNTAKMjAyNS0wMy0yMCzmkJzntKLmjqjlub8sMzQyLDEx
      OS41MAoyMDI1LTAzLTIxLOaQnOe0ouaOqOW5vywzNDksMTIwLjUwCjIwMjUtMDMtMjIs5pCc57Si5o6o5bm/LDM1
      NiwxMjEuNTAKMjAyNS0wMy0yMyzmkJzntKLmjqjlub8sMzYzLDEyMi41MAoyMDI1LTAzLTI0LOaQnOe0ouaOqOW5
      vywzNzAsMTIzLjUwCjIwMjUtMDMtMjUs5pCc57Si5o6o5bm/LDM3NywxMjQuNTAKMjAyNS0wMy0yNizmkJzntKLm
      jqjlub8sMzg0LDEyNS41MAoyMDI1LTAzLTI3LOaQnOe0ouaOqOW5vywzMDAsMTI2LjUwCjIwMjUtMDMtMjgs5pCc
      57Si5o6o5bm/LDMwNywxMjcuNTAKMjAyNS0wMy0wMSzmkJzntKLmjqjlub8sMzE0LDEyOC41MAoyMDI1LTAzLTAy
      LOaQnOe0ouaOqOW5vywzMjEsMTI5LjUwCjIwMjUtMDMtMDMs5pCc57Si5o6o5bm/LDMyOCwxMzAuNTAKMjAyNS0w
      My0wNCzmkJzntKLmjqjlub8sMzM1LDEzMS41MAoyMDI1LTAzLTA1LOaQnOe0ouaOqOW5vywzNDIsMTMyLjUwCjIw
      MjUtMDMtMDYs5pCc57Si5o6o5bm/LDM0OSwxMzMuNTAKMjAyNS0wMy0wNyzmkJzntKLmjqjlub8sMzU2LDEzNC41
      MAoyMDI1LTAzLTA4LOaQnOe0ouaOqOW5vywzNjMsMTM1LjUwCjIwMjUtMDMtMDks5pCc57Si5o6o5bm/LDM3MCwx
      MzYuNTAKMjAyNS0wMy0xMCzmkJzntKLmjqjlub8sMzc3LDEzNy41MAoyMDI1LTAzLTExLOaQnOe0ouaOqOW5vywz
      ODQsMTM4LjUwCjIwMjUtMDMtMTIs5pCc57Si5o6o5bm/LDMwMCwxMzkuNTAKMjAyNS0wMy0xMyzmkJzntKLmjqjl
      ub8sMzA3LDE0MC41MAoyMDI1LTAzLTE0LOaQnOe0ouaOqOW5vywzMTQsMTQxLjUwCjIwMjUtMDMtMTUs5pCc57Si
      5o6o5bm/LDMyMSwxNDIuNTAKMjAyNS0wMy0xNizmkJzntKLmjqjlub8sMzI4LDE0My41MAoyMDI1LTAzLTE3LOaQ
      nOe0ouaOqOW5vywzMzUsMTQ0LjUwCjIwMjUtMDMtMTgs5pCc57Si5o6o5bm/LDM0MiwxNDUuNTAKMjAyNS0wMy0x
      OSzmkJzntKLmjqjlub8sMzQ5LDE0Ni41MAoyMDI1LTAzLTIwLOaQnOe0ouaOqOW5vywzNTYsMTQ3LjUwCjIwMjUt
      MDMtMjEs5pCc57Si5o6o5bm/LDM2MywxNDguNTAKMjAyNS0wMy0yMizmkJzntKLmjqjlub8sMzcwLDE0OS41MAoy
      MDI1LTAzLTIzLOaQnOe0ouaOqOW5vywzNzcsMTUwLjUwCjIwMjUtMDMtMjQs5pCc57Si5o6o5bm/LDM4NCwxNTEu
      NTAKMjAyNS0wMy0yNSzmkJzntKLmjqjlub8sMzAwLDE1Mi41MAoyMDI1LTAzLTI2LOaQnOe0ouaOqOW5vywzMDcs
      MTUzLjUwCjIwMjUtMDMtMjcs5pCc57Si5o6o5bm/LDMxNCwxNTQuNTAKMjAyNS0wMy0yOCzmkJzntKLmjqjlub8s
      MzIxLDE1NS41MAoyMDI1LTAzLTAxLOaQnOe0ouaOqOW5vywzMjgsMTU2LjUwCjIwMjUtMDMtMDIs5pCc57Si5o6o
      5bm/LDMzNSwxNTcuNTAKMjAyNS0wMy0wMyzmkJzntKLmjqjlub8sMzQyLDE1OC41MAoyMDI1LTAzLTA0LOaQnOe0
      ouaOqOW5vywzNDksMTU5LjUwCjIwMjUtMDMtMDUs5pCc57Si5o6o5bm/LDM1NiwxNjAuNTAKMjAyNS0wMy0wNizm
      kJzntKLmjqjlub8sMzYzLDE2MS41MAoyMDI1LTAzLTA3LOaQnOe0ouaOqOW5vywzNzAsMTYyLjUwCjIwMjUtMDMt
      MDgs5pCc57Si5o6o5bm/LDM3NywxNjMuNTAKMjAyNS0wMy0wOSzmkJzntKLmjqjlub8sMzg0LDE2NC41MAoyMDI1
      LTAzLTEwLOaQnOe0ouaOqOW5vywzMDAsMTY1LjUwCjIwMjUtMDMtMTEs5pCc57Si5o6o5bm/LDMwNywxNjYuNTAK
      MjAyNS0wMy0xMizmkJzntKLmjqjlub8sMzE0LDE2Ny41MAoyMDI1LTAzLTEzLOaQnOe0ouaOqOW5vywzMjEsMTY4
      LjUwCjIwMjUtMDMtMTQs5pCc57Si5o6o5bm/LDMyOCwxNjkuNTAKMjAyNS0wMy0xNSzmkJzntKLmjqjlub8sMzM1
      LDE3MC41MAoyMDI1LTAzLTE2LOaQnOe0ouaOqOW5vywzNDIsMTcxLjUwCjIwMjUtMDMtMTcs5pCc57Si5o6o5bm/
      LDM0OSwxNzIuNTAKMjAyNS0wMy0xOCzmkJzntKLmjqjlub8sMzU2LDE3My41MAoyMDI1LTAzLTE5LOaQnOe0ouaO
      qOW5vywzNjMsMTc0LjUwCjIwMjUtMDMtMjAs5pCc57Si5o6o5bm/LDM3MCwxNzUuNTAKMjAyNS0wMy0yMSzmkJzn
      tKLmjqjlub8sMzc3LDE3Ni41MAoyMDI1LTAzLTIyLOaQnOe0ouaOqOW5vywzODQsMTc3LjUwCjIwMjUtMDMtMjMs
      5pCc57Si5o6o5bm/LDMwMCwxNzguNTAKMjAyNS0wMy0yNCzmkJzntKLmjqjlub8sMzA3LDE3OS41MAoyMDI1LTAz
      LTI1LOaQnOe0ouaOqOW5vywzMTQsMTgwLjUwCjIwMjUtMDMtMjYs5pCc57Si5o6o5bm/LDMyMSwxODEuNTAKMjAy
      NS0wMy0yNyzmkJzntKLmjqjlub8sMzI4LDE4Mi41MAoyMDI1LTAzLTI4LOaQnOe0ouaOqOW5vywzMzUsMTgzLjUw
      CjIwMjUtMDMtMDEs5pCc57Si5o6o5bm/LDM0MiwxODQuNTAKMjAyNS0wMy0wMizmkJzntKLmjqjlub8sMzQ5LDE4
      NS41MAoyMDI1LTAzLTAzLOaQnOe0ouaOqOW5vywzNTYsMTg2LjUwCjIwMjUtMDMtMDQs5pCc57Si5o6o5bm/LDM2
      MywxODcuNTAKMjAyNS0wMy0wNSzmkJzntKLmjqjlub8sMzcwLDE4OC41MAoyMDI1LTAzLTA2LOaQnOe0ouaOqOW5
      vywzNzcsMTg5LjUwCjIwMjUtMDMtMDcs5pCc57Si5o6o5bm/LDM4NCwxOTAuNTAKMjAyNS0wMy0wOCzmkJzntKLm
      jqjlub8sMzAwLDE5MS41MAoyMDI1LTAzLTA5LOaQnOe0ouaOqOW5vywzMDcsMTkyLjUwCjIwMjUtMDMtMTAs5pCc
      57Si5o6o5bm/LDMxNCwxOTMuNTAKMjAyNS0wMy0xMSzmkJzntKLmjqjlub8sMzIxLDE5NC41MAoyMDI1LTAzLTEy
      LOaQnOe0ouaOqOW5vywzMjgsMTk1LjUwCjIwMjUtMDMtMTMs5pCc57Si5o6o5bm/LDMzNSwxOTYuNTAKMjAyNS0w
      My0xNCzmkJzntKLmjqjlub8sMzQyLDE5Ny41MAoyMDI1LTAzLTE1LOaQnOe0ouaOqOW5vywzNDksMTk4LjUwCjIw
      MjUtMDMtMTYs5pCc57Si5o6o5bm/LDM1NiwxOTkuNTAKMjAyNS0wMy0xNyzmkJzntKLmjqjlub8sMzYzLDIwMC41
      MAoyMDI1LTAzLTE4LOaQnOe0ouaOqOW5vywzNzAsMjAxLjUwCjIwMjUtMDMtMTks5pCc57Si5o6o5bm/LDM3Nywy
      MDIuNTAKMjAyNS0wMy0yMCzmkJzntKLmjqjlub8sMzg0LDIwMy41MAoyMDI1LTAzLTIxLOaQnOe0ouaOqOW5vywz
      MDAsMjA0LjUwCjIwMjUtMDMtMjIs5pCc57Si5o6o5bm/LDMwNywyMDUuNTAKMjAyNS0wMy0yMyzmkJzntKLmjqjl
      ub8sMzE0LDIwNi41MAoyMDI1LTAzLTI0LOaQnOe0ouaOqOW5vywzMjEsMjA3LjUwCjIwMjUtMDMtMjUs5pCc57Si
      5o6o5bm/LDMyOCwyMDguNTAKMjAyNS0wMy0yNizmkJzntKLmjqjlub8sMzM1LDIwOS41MAoyMDI1LTAzLTI3LOaQ
      nOe0ouaOqOW5vywzNDIsMjEwLjUwCjIwMjUtMDMtMjgs5pCc57Si5o6o5bm/LDM0OSwyMTEuNTAKMjAyNS0wMy0w
      MSzmkJzntKLmjqjlub8sMzU2LDIxMi41MAoyMDI1LTAzLTAyLOaQnOe0ouaOqOW5vywzNjMsMjEzLjUwCjIwMjUt
      MDMtMDMs5pCc57Si5o6o5bm/LDM3MCwyMTQuNTAKMjAyNS0wMy0wNCzmkJzntKLmjqjlub8sMzc3LDIxNS41MAoy
      MDI1LTAzLTA1LOaQnOe0ouaOqOW5vywzODQsMjE2LjUwCjIwMjUtMDMtMDYs5pCc57Si5o6o5bm/LDMwMCwyMTcu
      NTAKMjAyNS0wMy0wNyzmkJzntKLmjqjlub8sMzA3LDIxOC41MAoyMDI1LTAzLTA4LOaQnOe0ouaOqOW5vywzMTQs
      MjE5LjUwCg==
    """

  /// 30,000 letters of a four-letter alphabet from a linear congruential generator, twice, then
  /// `tail`: the repeat is a back-reference of 30,000 bytes (distance code 29).
  static var far: [UInt8] {
    func letters(_ count: Int, seed: UInt64) -> [UInt8] {
      var x = seed
      return (0..<count).map { _ in
        x = (x &* 1_103_515_245 &+ 12_345) & 0x7FFF_FFFF
        return UInt8(97 + (x >> 16) % 4)
      }
    }
    return letters(30_000, seed: 11) + letters(30_000, seed: 11) + Array("tail".utf8)
  }

  static func bytes(_ base64: String) -> [UInt8] {
    Array(Data(base64Encoded: base64, options: .ignoreUnknownCharacters)!)
  }

  @Test("zlib's raw streams decode to their inputs", arguments: vectors.map(\.0))
  func reference(name: String) throws {
    let (_, compressed, plain) = Self.vectors.first { $0.0 == name }!
    let expected = plain.map { Self.bytes($0 == "@csv" ? Self.csv : $0) } ?? Self.far
    let output = try Inflate.decompress(Self.bytes(compressed), limit: expected.count)
    #expect(output.count == expected.count)
    #expect(output == expected)
  }

  @Test("the output is bounded by the caller's limit")
  func limit() {
    let (_, compressed, _) = Self.vectors.first { $0.0 == "far" }!
    #expect(throws: Inflate.Failure.self) {
      try Inflate.decompress(Self.bytes(compressed), limit: 60_003)
    }
    let (_, stored, _) = Self.vectors.first { $0.0 == "stored" }!
    do {
      _ = try Inflate.decompress(Self.bytes(stored), limit: 999)
      Issue.record("a stored block past the limit was accepted")
    } catch {
      #expect(error.message == "the data expands to more than 999 bytes")
    }
  }

  /// Packs DEFLATE bits: fields least significant bit first, Huffman codes most significant
  /// bit first (RFC 1951 §3.1.1).
  struct BitWriter {
    var bytes: [UInt8] = []
    var count = 0

    mutating func field(_ value: Int, _ width: Int) {
      for bit in 0..<width { append((value >> bit) & 1) }
    }

    mutating func code(_ value: Int, _ width: Int) {
      for bit in stride(from: width - 1, through: 0, by: -1) { append((value >> bit) & 1) }
    }

    mutating func append(_ bit: Int) {
      if count % 8 == 0 { bytes.append(0) }
      bytes[bytes.count - 1] |= UInt8(bit << (count % 8))
      count += 1
    }
  }

  func failure(_ bytes: [UInt8]) -> Inflate.Failure? {
    do {
      _ = try Inflate.decompress(bytes, limit: 1 << 20)
      return nil
    } catch { return error }
  }

  @Test("malformed streams fail with what is wrong and where, never a crash")
  func malformed() throws {
    // Block type 3.
    #expect(failure([0x07])?.message.contains("block type 3 is reserved") == true)
    // A stored block whose length and its complement disagree.
    #expect(failure([0x01, 0x05, 0x00, 0x00, 0x00])?.message.contains("does not match") == true)
    // A stored block longer than the data.
    #expect(failure([0x01, 0x05, 0x00, 0xFA, 0xFF, 0x61])?.message.contains("runs past") == true)
    // Truncated: the dynamic stream without its last 10 bytes.
    let (_, dynamic, _) = Self.vectors.first { $0.0 == "dynamic" }!
    let cut = Array(Self.bytes(dynamic).dropLast(10))
    let truncated = try #require(failure(cut))
    #expect(truncated.message == "the data ends in the middle of a block")
    #expect(truncated.offset == cut.count - 1)
    // Empty input.
    #expect(failure([])?.message == "the data ends in the middle of a block")
    // A fixed block whose first symbol is a back-reference (length 3, distance 1) to nothing.
    var reference = BitWriter()
    reference.field(1, 1)
    reference.field(1, 2)
    reference.code(0b000_0001, 7)  // 257: length 3
    reference.code(0, 5)  // distance 1
    #expect(failure(reference.bytes)?.message.contains("before the data began") == true)
    // Fixed block, literal 'a' then length code 286 (not valid).
    var invalid = BitWriter()
    invalid.field(1, 1)
    invalid.field(1, 2)
    invalid.code(0x30 + 0x61, 8)
    invalid.code(0b1100_0110, 8)  // 286
    #expect(failure(invalid.bytes)?.message.contains("length code 286 is not valid") == true)
    // A dynamic block whose code length code has four codes of length 1: over-subscribed.
    var over = BitWriter()
    over.field(1, 1)
    over.field(2, 2)
    over.field(0, 5)
    over.field(0, 5)
    over.field(0, 4)
    for _ in 0..<4 { over.field(1, 3) }
    #expect(failure(over.bytes)?.message.contains("over-subscribed") == true)
    // A dynamic block that repeats a previous code length before any.
    var repeatFirst = BitWriter()
    repeatFirst.field(1, 1)
    repeatFirst.field(2, 2)
    repeatFirst.field(0, 5)
    repeatFirst.field(0, 5)
    repeatFirst.field(0, 4)
    // Code length code: 16 and 17 of length 1 (complete), 18 and 0 none.
    repeatFirst.field(1, 3)
    repeatFirst.field(1, 3)
    repeatFirst.field(0, 3)
    repeatFirst.field(0, 3)
    repeatFirst.code(0, 1)  // symbol 16 (the first code of length 1)
    #expect(failure(repeatFirst.bytes)?.message.contains("comes first") == true)
  }

  @Test("a fixed block written by hand: literals and an overlapping back-reference")
  func handWritten() throws {
    // "ab" then length 5 at distance 2: "ababababa"... = "abababa".
    var writer = BitWriter()
    writer.field(1, 1)
    writer.field(1, 2)
    writer.code(0x30 + 0x61, 8)  // 'a'
    writer.code(0x30 + 0x62, 8)  // 'b'
    writer.code(0b000_0011, 7)  // 259: length 5
    writer.code(1, 5)  // distance 2
    writer.code(0, 7)  // 256: end of block
    #expect(try Inflate.decompress(writer.bytes, limit: 100) == Array("abababa".utf8))
  }

  @Test("seeded damage to reference streams, and random bytes, fail or decode within the limit")
  func damaged() {
    let seed = testSeed(1951)
    var rng = SplitMix64(seed: seed)
    let streams = Self.vectors.map { Self.bytes($0.1) }
    var failures = 0
    for iteration in 0..<3_000 {
      var bytes: [UInt8]
      if iteration % 3 == 0 {
        bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      } else {
        bytes = streams[Int(rng.next() % UInt64(streams.count))]
        guard !bytes.isEmpty else { continue }
        for _ in 0...Int(rng.next() % 3) {
          let index = Int(rng.next() % UInt64(bytes.count))
          bytes[index] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
        }
      }
      do {
        let output = try Inflate.decompress(bytes, limit: 70_000)
        #expect(output.count <= 70_000, "seed \(seed) iteration \(iteration)")
      } catch {
        failures += 1
        #expect(error.offset >= 0 && error.offset <= bytes.count, "seed \(seed) \(iteration)")
      }
    }
    // Most damaged streams are refused rather than decoded into something else.
    #expect(failures > 1_000, "seed \(seed)")
  }
}
