// Whole soums in words (mirror of core/numwords.py), for the bid form: Russian, Uzbek (Latin), English,
// by the page's language (<html lang>).
(function () {
  const ru = (() => {
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
    return { zero: "ноль", scales: scales.length, chunk: (c, s) => [...triple(c, scales[s][1]), ...(s ? [plural(c, scales[s][0])] : [])] };
  })();
  const en = (() => {
    const units = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    const teens = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
    const tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    const scales = ["", "thousand", "million", "billion"];
    const triple = (n) => {
      const w = n >= 100 ? [units[Math.floor(n / 100)], "hundred"] : [], r = n % 100;
      if (r >= 10 && r < 20) w.push(teens[r - 10]);
      else if (r) { const t = tens[Math.floor(r / 10)], u = units[r % 10]; w.push(t && u ? `${t}-${u}` : t || u); }
      return w;
    };
    return { zero: "zero", scales: scales.length, chunk: (c, s) => [...triple(c), ...(s ? [scales[s]] : [])] };
  })();
  const uz = (() => {
    const units = ["", "bir", "ikki", "uch", "to‘rt", "besh", "olti", "yetti", "sakkiz", "to‘qqiz"];
    const tens = ["", "o‘n", "yigirma", "o‘ttiz", "qirq", "ellik", "oltmish", "yetmish", "sakson", "to‘qson"];
    const scales = ["", "ming", "million", "milliard"];
    const triple = (n) => {
      const w = n >= 100 ? [units[Math.floor(n / 100)], "yuz"] : [], r = n % 100;
      return [...w, tens[Math.floor(r / 10)], units[r % 10]].filter(Boolean);
    };
    return { zero: "nol", scales: scales.length, chunk: (c, s) => [...triple(c), ...(s ? [scales[s]] : [])] };
  })();
  const languages = { ru, en, uz };
  window.kbAmountInWords = (value, language) => {
    const lang = languages[(language || document.documentElement.lang || "ru").slice(0, 2)] || ru;
    const n = Math.floor(Number(value));
    if (!Number.isFinite(n) || n < 0 || n >= 1e12) return "";
    if (n === 0) return lang.zero;
    const parts = [];
    for (let s = lang.scales - 1; s >= 0; s--) {
      const chunk = Math.floor(n / 1000 ** s) % 1000;
      if (chunk) parts.push(...lang.chunk(chunk, s));
    }
    return parts.join(" ");
  };
})();
