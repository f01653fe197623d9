;; The CSV validator's fast path (services/personalize/fast-lines.ts): checks whole, simple lines
;; of a block in place and stops at the first line it cannot vouch for, which the TypeScript
;; validator then handles (and reports) exactly as it would without this path. A simple line has
;; no quote, one value per column, and values that pass their column's inline check:
;;   0 not a schema column, 1 optional string: anything;  2 required string: not empty;
;;   3 ID: 1 to maxId bytes;  4 integer: 1 to 16 digits, not above the column's maximum;
;;   5 (or more columns than codes): never simple.
;; A trailing "\r" before "\n" is not part of the last value. The caller pads the data with 16
;; bytes above ',' so that whole 16-byte loads never need a scalar tail.
;; Build: `npm run build:wasm` (wabt) turns this file into line-scanner.wasm.ts.
(module
  ;; Memory layout: [0, 64) column codes (u8); [64, 576) per-column maxima (f64);
  ;; [1024] simple-line count (out); [1028] max ID bytes (in); data from 4096, then 16 bytes of padding.
  (memory (export "memory") 1)
  ;; Checks the lines of [p, end) (the data ends with "\n") until one is not simple. Returns where
  ;; that line starts (end when all were simple) and stores how many simple lines came before it.
  (func (export "scan") (param $p i32) (param $end i32) (param $lastCol i32) (result i32)
    (local $b i32) (local $q i32) (local $m i32) (local $lineStart i32) (local $fieldStart i32)
    (local $col i32) (local $good i32) (local $fend i32) (local $len i32) (local $k i32) (local $d i32)
    (local $n f64) (local $maxId i32) (local $separators v128)
    (local.set $lineStart (local.get $p))
    (local.set $fieldStart (local.get $p))
    (local.set $maxId (i32.load (i32.const 1028)))
    ;; Only bytes up to ',' (44) need a look: '\n', '\r', '"' and ',' are among them.
    (local.set $separators (i8x16.splat (i32.const 44)))
    (block $bail
      (loop $window
        (if (i32.ge_u (local.get $p) (local.get $end)) (then
          (i32.store (i32.const 1024) (local.get $good))
          (return (local.get $lineStart))))
        ;; One bit per byte of the next 16 that is <= 44; each is handled in order.
        (local.set $m (i8x16.bitmask (i8x16.le_u (v128.load (local.get $p)) (local.get $separators))))
        (block $windowDone
          (loop $bits
            (br_if $windowDone (i32.eqz (local.get $m)))
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (local.set $b (i32.load8_u (local.get $q)))
            (br_if $bail (i32.eq (local.get $b) (i32.const 34)))
            (if (i32.or (i32.eq (local.get $b) (i32.const 44)) (i32.eq (local.get $b) (i32.const 10))) (then
              ;; The end of a value: check it against its column's code.
              (local.set $fend (local.get $q))
              (if (i32.and (i32.eq (local.get $b) (i32.const 10))
                           (i32.gt_u (local.get $fend) (local.get $fieldStart)))
                (then (if (i32.eq (i32.load8_u (i32.sub (local.get $fend) (i32.const 1))) (i32.const 13))
                  (then (local.set $fend (i32.sub (local.get $fend) (i32.const 1)))))))
              (br_if $bail (i32.gt_u (local.get $col) (local.get $lastCol)))
              (local.set $len (i32.sub (local.get $fend) (local.get $fieldStart)))
              (block $checked
                (block $unsigned
                  (block $id
                    (block $nonempty
                      (block $any
                        (br_table $any $any $nonempty $id $unsigned $bail
                          (i32.load8_u (local.get $col))))
                      ;; 0 and 1: anything
                      (br $checked))
                    ;; 2: not empty
                    (br_if $bail (i32.eqz (local.get $len)))
                    (br $checked))
                  ;; 3: 1 to maxId bytes
                  (br_if $bail (i32.eqz (local.get $len)))
                  (br_if $bail (i32.gt_u (local.get $len) (local.get $maxId)))
                  (br $checked))
                ;; 4: 1 to 16 digits, not above the column's maximum
                (br_if $bail (i32.eqz (local.get $len)))
                (br_if $bail (i32.gt_u (local.get $len) (i32.const 16)))
                (local.set $n (f64.const 0))
                (local.set $k (local.get $fieldStart))
                (loop $digit
                  (local.set $d (i32.sub (i32.load8_u (local.get $k)) (i32.const 48)))
                  (br_if $bail (i32.gt_u (local.get $d) (i32.const 9)))
                  (local.set $n (f64.add (f64.mul (local.get $n) (f64.const 10)) (f64.convert_i32_u (local.get $d))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br_if $digit (i32.lt_u (local.get $k) (local.get $fend))))
                (br_if $bail (f64.gt (local.get $n)
                  (f64.load (i32.add (i32.const 64) (i32.shl (local.get $col) (i32.const 3)))))))
              (if (i32.eq (local.get $b) (i32.const 44)) (then
                (local.set $col (i32.add (local.get $col) (i32.const 1)))
                (local.set $fieldStart (i32.add (local.get $q) (i32.const 1)))
                (br $bits)))
              ;; The end of a line: every column present, and not an empty line.
              (br_if $bail (i32.ne (local.get $col) (local.get $lastCol)))
              (br_if $bail (i32.eq (local.get $fend) (local.get $lineStart)))
              (local.set $good (i32.add (local.get $good) (i32.const 1)))
              (local.set $lineStart (i32.add (local.get $q) (i32.const 1)))
              (local.set $fieldStart (local.get $lineStart))
              (local.set $col (i32.const 0))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $window)))
    (i32.store (i32.const 1024) (local.get $good))
    (local.get $lineStart)))
