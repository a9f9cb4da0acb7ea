/* 归雁 工作看板: draws the four charts from #dashboard-data with the local ECharts (static/vendor).
   Without this file or without ECharts the tables under each chart stay open and say the same. */
(function () {
  "use strict";

  var BRAND = "#1d4f91";
  var ACCENT = "#d9822b";
  var LEVEL_COLOURS = ["#5b8fd6", "#d9822b", "#b42318", "#17704a"];
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  // "2026Q4" -> "2026年\n第4季度": two short lines fit six quarters across a phone
  function quarterLabels(quarters) {
    return quarters.map(function (q) { return q.slice(0, 4) + "年\n第" + q.slice(5) + "季度"; });
  }

  // what every chart shares; tooltips are drawn on the canvas (richText), since the page's CSP
  // refuses the inline styles of ECharts' HTML tooltips
  function common(option) {
    var base = {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis", renderMode: "richText", confine: true },
      legend: { top: 0, left: "center", itemGap: 16 },
      grid: { left: 8, right: 8, top: 44, bottom: 8 },
      animationDuration: 400
    };
    Object.keys(option).forEach(function (key) { base[key] = option[key]; });
    return base;
  }

  function quarterAxis(data) {
    return { type: "category", data: quarterLabels(data.quarters),
             axisLabel: { interval: 0, fontSize: 11, lineHeight: 14 } };
  }

  // amounts (万元, bars, left axis) and the number of payments (line, right axis) per quarter
  function moneyOption(data, series, colour) {
    return common({
      xAxis: quarterAxis(data),
      yAxis: [
        { type: "value", name: "万元", nameTextStyle: { align: "left" } },
        { type: "value", name: "笔", minInterval: 1, splitLine: { show: false },
          nameTextStyle: { align: "right" } }
      ],
      series: [
        { name: "金额（万元）", type: "bar", data: series.wan.map(Number), barMaxWidth: 36,
          itemStyle: { color: colour, borderRadius: [4, 4, 0, 0] } },
        { name: "笔数", type: "line", yAxisIndex: 1, data: series.count, symbolSize: 8,
          itemStyle: { color: ACCENT }, lineStyle: { width: 2 } }
      ]
    });
  }

  // open difficulties: one horizontal bar per category, stacked by the level that holds them
  function difficultyOption(data) {
    var d = data.difficulties;
    return common({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", confine: true },
      xAxis: { type: "value", minInterval: 1, name: "件" },
      yAxis: { type: "category", data: d.categories, inverse: true, axisLabel: { fontSize: 12 } },
      series: d.levels.map(function (level, column) {
        return { name: level + "级", type: "bar", stack: "level", barMaxWidth: 28,
                 itemStyle: { color: LEVEL_COLOURS[column % LEVEL_COLOURS.length] },
                 data: d.counts.map(function (row) { return row[column]; }) };
      })
    });
  }

  // the share of the consultation's assigned items closed, per quarter; a quarter without items is a gap
  function resolutionOption(data) {
    var rates = data.resolution.rate.map(function (rate) { return rate === null ? "-" : Number(rate); });
    return common({
      legend: { show: false },
      xAxis: quarterAxis(data),
      yAxis: { type: "value", min: 0, max: 100, name: "%", axisLabel: { formatter: "{value}%" } },
      series: [{ name: "办结率（%）", type: "line", data: rates, connectNulls: false, symbolSize: 8,
                 itemStyle: { color: BRAND }, areaStyle: { opacity: 0.08 },
                 label: { show: true, position: "top", formatter: "{c}%" } }]
    });
  }

  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box) { return null; }
    box.hidden = false;
    var chart = window.echarts.init(box, null, { renderer: "canvas", locale: "ZH" });
    chart.setOption(option);
    // the chart now shows the figures: fold its table away (one click opens it again)
    var card = box.closest(".chart-card");
    var table = card && card.querySelector("details.chart-data");
    if (table) { table.open = false; }
    return chart;
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var tall = document.getElementById("chart-difficulties");
    if (tall) { tall.style.height = Math.max(240, 44 * data.difficulties.categories.length + 80) + "px"; }
    var charts = [
      draw("chart-loans", moneyOption(data, data.loans, BRAND)),
      draw("chart-subsidies", moneyOption(data, data.subsidies, "#17704a")),
      draw("chart-difficulties", difficultyOption(data)),
      draw("chart-resolution", resolutionOption(data))
    ].filter(Boolean);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
