// Whole soums in Russian words (mirror of core/numwords.py), for the bid form.
(function () {
  const unitsM = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"];
  const unitsF = ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"];
  const teens = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"];
  const tens = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"];
  const hundreds = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"];
  const scales = [[["", "", ""], false], [["тысяча", "тысячи", "тысяч"], true], [["миллион", "миллиона", "миллионов"], false], [["миллиард", "миллиарда", "миллиардов"], false]];
  const plural = (n, f) => (n % 100 >= 11 && n % 100 <= 19) ? f[2] : n % 10 === 1 ? f[0] : [2, 3, 4].includes(n % 10) ? f[1] : f[2];
  const triple = (n, fem) => {
    const w = [hundreds[Math.floor(n / 100)]], r = n % 100;
    if (r >= 10 && r < 20) w.push(teens[r - 10]); else { w.push(tens[Math.floor(r / 10)]); w.push((fem ? unitsF : unitsM)[r % 10]); }
    return w.filter(Boolean);
  };
  window.kbAmountInWords = (value) => {
    const n = Math.floor(Number(value));
    if (!Number.isFinite(n) || n < 0 || n >= 1e12) return "";
    if (n === 0) return "ноль";
    const parts = [];
    for (let s = scales.length - 1; s >= 0; s--) {
      const chunk = Math.floor(n / 1000 ** s) % 1000;
      if (!chunk) continue;
      parts.push(...triple(chunk, scales[s][1]));
      if (s) parts.push(plural(chunk, scales[s][0]));
    }
    return parts.join(" ");
  };
})();
